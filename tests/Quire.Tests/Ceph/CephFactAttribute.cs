// CephFact: a test that needs a Ceph cluster. Where Ceph is not installed (no ceph-mon on the
// PATH, or no librbd), the test is reported as skipped, with the reason, never as passed.

namespace Quire.Tests.Ceph;

public sealed class CephFactAttribute : FactAttribute
{
    public CephFactAttribute()
    {
        if (CephClusterFixture.MissingReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
