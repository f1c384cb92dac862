// CephTheory: a theory that needs a Ceph cluster; skipped with the reason where Ceph is not
// installed, as CephFact.

namespace Quire.Tests.Ceph;

public sealed class CephTheoryAttribute : TheoryAttribute
{
    public CephTheoryAttribute()
    {
        if (CephClusterFixture.MissingReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
