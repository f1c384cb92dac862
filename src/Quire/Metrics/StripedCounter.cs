// StripedCounter: a counter that many threads bump without sharing a cache line, summed when read:
// statistics on the hit path must not become the contended line the hit path avoids elsewhere.
//
// Locking: each stripe is changed with Interlocked; Value sums the stripes without a lock and
// may miss increments that race with it, which statistics tolerate.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quire.Metrics;

internal sealed class StripedCounter
{
    private readonly PaddedLong[] _stripes = new PaddedLong[StripeCount]; // (A)

    private static int StripeCount { get; } = (int)Math.Min(64, BitOperationsRoundUp(Environment.ProcessorCount));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long delta) =>
        Interlocked.Add(ref _stripes[Thread.GetCurrentProcessorId() & (_stripes.Length - 1)].Value, delta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment() => Add(1);

    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _stripes.Length; i++)
            {
                sum += Volatile.Read(ref _stripes[i].Value);
            }

            return sum;
        }
    }

    private static uint BitOperationsRoundUp(int value) => System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, value));

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
