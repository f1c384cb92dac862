// DeviceReferenceResult: the device references of one run (see DeviceReference): the
// preallocated file before and after the engines, and a new file once, to show the difference.
// "vs device" figures divide by the better preallocated rate, so a noisy low reading cannot make
// an engine look faster than the device.
//
// Locking: immutable.

namespace Quire.Cli.Bench;

internal sealed record DeviceReferenceResult(long ByteCount, double PreallocatedBeforeMiBPerSecond, double? PreallocatedAfterMiBPerSecond, double NewFileMiBPerSecond)
{
    /// <summary>The denominator of "vs device": the better of the preallocated rates.</summary>
    public double MiBPerSecond => Math.Max(PreallocatedBeforeMiBPerSecond, PreallocatedAfterMiBPerSecond ?? 0);
}
