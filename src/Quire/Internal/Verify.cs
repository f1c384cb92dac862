// Verify: the always-on checks that guard data, and the latch they set.
//
// Locking: _failure is written once with Interlocked; readers use a volatile read.
// Invariants: once latched, the cache issues no further writes to any backing store, so a bug
// detected by a check can corrupt nothing more than it already has.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Quire.Internal;

internal sealed class Verify
{
    private readonly Action<PageCacheInvariantException>? _latched; // (I) told once, when the latch is set
    private PageCacheInvariantException? _failure; // (A) the first failed check, or null

    public Verify(Action<PageCacheInvariantException>? latched = null) => _latched = latched;

    /// <summary>The failure that latched the cache, or null while every check has held.</summary>
    public PageCacheInvariantException? Failure => Volatile.Read(ref _failure);

    /// <summary>Throws and latches the cache when <paramref name="condition"/> is false.</summary>
    /// <param name="condition">A fact that, if false, means data could be lost or corrupted.</param>
    /// <param name="whatWouldBeLost">A sentence naming what a violation would lose or corrupt.</param>
    public void That([DoesNotReturnIf(false)] bool condition, string whatWouldBeLost)
    {
        if (!condition)
        {
            Fail(whatWouldBeLost);
        }
    }

    /// <summary>
    /// Throws and latches the cache when <paramref name="condition"/> is false; the message is
    /// formatted only then, so a check that holds allocates nothing.
    /// </summary>
    public void That([DoesNotReturnIf(false)] bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref VerifyMessageHandler whatWouldBeLost)
    {
        if (!condition)
        {
            Fail(whatWouldBeLost.ToStringAndClear());
        }
    }

    /// <summary>Throws the latched failure if a check has failed before: called before any store write.</summary>
    public void ThrowIfLatched()
    {
        PageCacheInvariantException? failure = Failure;
        if (failure is not null)
        {
            throw new PageCacheInvariantException(
                "The page cache stopped writing after an internal check failed: " + failure.Message, failure);
        }
    }

    [DoesNotReturn]
    private void Fail(string whatWouldBeLost)
    {
        var failure = new PageCacheInvariantException(whatWouldBeLost);
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _latched?.Invoke(failure);
        }

        throw failure;
    }
}
