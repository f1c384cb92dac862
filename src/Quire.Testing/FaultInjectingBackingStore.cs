// FaultInjectingBackingStore: wraps a backing store and fails, shortens, delays or hangs the calls
// its fault schedule selects, counting every call and every fired fault.
//
// Locking: _lock guards the schedule, the counters, the generator and the log; it is never held
// across a call to the wrapped store or a wait, so a hung call does not block the others.
// Invariants: a call is counted before its rules are evaluated; a fault fired is logged and
// counted exactly once; a call that fires no fault reaches the wrapped store unchanged.

namespace Quire.Testing;

/// <summary>
/// A backing store that wraps another and injects faults into the calls a schedule of
/// <see cref="FaultRule"/>s selects: fail the Nth read, write, durable flush or length change, or
/// a seeded fraction of them, once or persistently, with EIO, ENOSPC, EDQUOT or EFBIG; store only
/// part of a write and then fail; delay a call; hang it until the device heals. The schedule can
/// change while the cache runs.
/// </summary>
/// <remarks>
/// <para>
/// Failures are <see cref="IOException"/>s whose HResult is the errno, exactly what .NET's file
/// APIs throw on Linux, so Quire classifies them as it classifies real ones.
/// </para>
/// <para>
/// When the wrapped store is a <see cref="CrashSimulatingBackingStore"/>, a failed durable flush is
/// passed on to it, so its <see cref="CrashSimulatingBackingStore.FailedFlushBehavior"/> applies.
/// </para>
/// <para>All members are thread-safe. Disposing releases hung calls and disposes the wrapped store.</para>
/// </remarks>
public sealed class FaultInjectingBackingStore : IBackingStore
{
    private const int MaxLoggedFaults = 10_000; // bounds the log of a long simulation; counters keep counting

    private readonly Lock _lock = new();
    private readonly IBackingStore _inner; // (I)
    private readonly SplitMix64 _random; // (_lock)
    private readonly List<(FaultRule Rule, long Calls, bool Fired)> _rules = []; // (_lock) the schedule, with each rule's call count
    private readonly List<InjectedFault> _log = []; // (_lock) bounded by MaxLoggedFaults
    private readonly long[] _calls = new long[4]; // (_lock) per operation
    private readonly long[] _fired = new long[4]; // (_lock) per operation
    private readonly ManualResetEventSlim _healed = new(); // set by Heal and RemoveRule to release hung calls
    private long _sequence; // (_lock)
    private TimeSpan _maxHang = TimeSpan.FromSeconds(30);

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="seed"/> drives fractional rules and short-write lengths.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    public FaultInjectingBackingStore(IBackingStore inner, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _random = new SplitMix64(seed);
    }

    /// <summary>The wrapped store.</summary>
    public IBackingStore Inner => _inner;

    /// <inheritdoc/>
    public string Name => _inner.Name;

    /// <inheritdoc/>
    public bool CanWrite => _inner.CanWrite;

    /// <summary>How long a <see cref="FaultEffect.Hang"/> blocks before it gives up and throws. Default 30 s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan MaxHang
    {
        get => _maxHang;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _maxHang = value;
        }
    }

    /// <summary>The number of faults fired so far, over all operations.</summary>
    public long FaultsFired
    {
        get
        {
            lock (_lock)
            {
                return _fired.Sum();
            }
        }
    }

    /// <summary>The faults fired so far, oldest first (at most the first 10,000).</summary>
    public IReadOnlyList<InjectedFault> FiredFaults
    {
        get
        {
            lock (_lock)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Adds <paramref name="rule"/> to the schedule; its call count starts now.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rule"/> is null.</exception>
    public void AddRule(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            _healed.Reset();
            _rules.Add((rule, 0, false));
        }
    }

    /// <summary>Removes <paramref name="rule"/> from the schedule and releases the calls it hangs; returns whether it was there.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rule"/> is null.</exception>
    public bool RemoveRule(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            int index = _rules.FindIndex(r => ReferenceEquals(r.Rule, rule));
            if (index < 0)
            {
                return false;
            }

            _rules.RemoveAt(index);
            if (!_rules.Any(r => r.Rule.Effect == FaultEffect.Hang))
            {
                _healed.Set();
            }

            return true;
        }
    }

    /// <summary>Removes every rule (the device heals) and releases hung calls. Counters and the log are kept.</summary>
    public void Heal()
    {
        lock (_lock)
        {
            _rules.Clear();
            _healed.Set();
        }
    }

    /// <summary>The number of calls of <paramref name="operation"/> (a single flag) received so far, failed or not.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a single operation.</exception>
    public long CallCount(StoreOperations operation)
    {
        int index = IndexOf(operation);
        lock (_lock)
        {
            return _calls[index];
        }
    }

    /// <summary>The number of faults fired on calls of <paramref name="operation"/> (a single flag).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a single operation.</exception>
    public long FiredCount(StoreOperations operation)
    {
        int index = IndexOf(operation);
        lock (_lock)
        {
            return _fired[index];
        }
    }

    /// <inheritdoc/>
    public long GetLength() => _inner.GetLength();

    /// <inheritdoc/>
    public void SetLength(long byteCount)
    {
        FaultRule? rule = Decide(StoreOperations.SetLength, byteCount, 0);
        if (rule is not null)
        {
            Apply(rule, StoreOperations.SetLength, byteCount, 0);
        }

        _inner.SetLength(byteCount);
    }

    /// <inheritdoc/>
    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        FaultRule? rule = Decide(StoreOperations.Read, fileOffset, buffers.Sum(b => (long)b.Length));
        if (rule is not null)
        {
            Apply(rule, StoreOperations.Read, fileOffset, 0);
        }

        return _inner.Read(buffers, fileOffset);
    }

    /// <inheritdoc/>
    public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        FaultRule? rule = Decide(StoreOperations.Read, fileOffset, buffers.Sum(b => (long)b.Length));
        if (rule is not null)
        {
            try
            {
                Apply(rule, StoreOperations.Read, fileOffset, 0);
            }
            catch (IOException e)
            {
                return ValueTask.FromException<int>(e);
            }
        }

        return _inner.ReadAsync(buffers, fileOffset, cancellationToken);
    }

    /// <inheritdoc/>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        long byteCount = buffers.Sum(b => (long)b.Length);
        FaultRule? rule = Decide(StoreOperations.Write, fileOffset, byteCount);
        if (rule is { Effect: FaultEffect.ShortWrite })
        {
            WriteShort(rule, buffers, fileOffset, byteCount);
        }
        else if (rule is not null)
        {
            Apply(rule, StoreOperations.Write, fileOffset, byteCount);
        }

        _inner.Write(buffers, fileOffset);
    }

    /// <inheritdoc/>
    public void Flush()
    {
        FaultRule? rule = Decide(StoreOperations.Flush, 0, 0);
        if (rule is not null)
        {
            try
            {
                Apply(rule, StoreOperations.Flush, 0, 0);
            }
            catch (IOException)
            {
                (_inner as CrashSimulatingBackingStore)?.OnFlushFailed();
                throw;
            }
        }

        _inner.Flush();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _healed.Set(); // a hung call must not outlive the store
        _inner.Dispose();
    }

    private static int IndexOf(StoreOperations operation) => operation switch
    {
        StoreOperations.Read => 0,
        StoreOperations.Write => 1,
        StoreOperations.Flush => 2,
        StoreOperations.SetLength => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Name a single operation: Read, Write, Flush or SetLength."),
    };

    /// <summary>Counts the call and returns the first rule that fires on it, logging the fault, or null.</summary>
    private FaultRule? Decide(StoreOperations operation, long fileOffset, long byteCount)
    {
        int index = IndexOf(operation);
        lock (_lock)
        {
            _calls[index]++;
            _sequence++;
            for (int i = 0; i < _rules.Count; i++)
            {
                (FaultRule rule, long calls, bool fired) = _rules[i];
                if ((rule.Operations & operation) == 0 || !Touches(rule, operation, fileOffset, byteCount))
                {
                    continue;
                }

                calls++;
                bool fires = rule.NthCall == 0
                    ? rule.Probability >= 1 || _random.NextDouble() < rule.Probability
                    : calls == rule.NthCall || (rule.Persistent && fired && calls > rule.NthCall);
                _rules[i] = (rule, calls, fired || fires);
                if (fires)
                {
                    if (rule.Effect is FaultEffect.Error or FaultEffect.ShortWrite)
                    {
                        _fired[index]++;
                        if (_log.Count < MaxLoggedFaults)
                        {
                            _log.Add(new InjectedFault(_sequence, operation, fileOffset, byteCount, rule));
                        }
                    }

                    return rule;
                }
            }

            return null;
        }
    }

    private static bool Touches(FaultRule rule, StoreOperations operation, long fileOffset, long byteCount) =>
        rule.Range is not { } range
        || operation is not (StoreOperations.Read or StoreOperations.Write)
        || (fileOffset < range.End && fileOffset + byteCount > range.FileOffset);

    /// <summary>Applies a fired rule to a call: throws for errors, waits for delays and hangs (which then let the call proceed).</summary>
    private void Apply(FaultRule rule, StoreOperations operation, long fileOffset, long byteCount)
    {
        switch (rule.Effect)
        {
            case FaultEffect.Delay:
                Thread.Sleep(rule.Delay);
                return;
            case FaultEffect.Hang:
                if (!_healed.Wait(_maxHang))
                {
                    throw new IOException($"Injected hang of {operation} on '{Name}' was not healed within {_maxHang.TotalSeconds:0.#} s.", ErrorNumbers.IOError);
                }

                return;
            default:
                throw new IOException(
                    $"Injected {rule.ErrorKind} on {operation} of '{Name}' at [{fileOffset}, {fileOffset + byteCount}).",
                    ErrorNumbers.Of(rule.ErrorKind));
        }
    }

    /// <summary>Stores the first bytes of a write, then throws: a partial pwrite followed by a failing one.</summary>
    private void WriteShort(FaultRule rule, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset, long byteCount)
    {
        long keep;
        lock (_lock)
        {
            keep = rule.ShortWriteBytes >= 0 ? Math.Min(rule.ShortWriteBytes, Math.Max(0, byteCount - 1)) : _random.Next(byteCount);
        }

        var prefix = new List<ReadOnlyMemory<byte>>();
        long left = keep;
        foreach (ReadOnlyMemory<byte> buffer in buffers)
        {
            if (left <= 0)
            {
                break;
            }

            int take = (int)Math.Min(left, buffer.Length);
            prefix.Add(buffer[..take]);
            left -= take;
        }

        if (keep > 0)
        {
            _inner.Write(prefix, fileOffset);
        }

        throw new IOException(
            $"Injected short write on '{Name}': {keep} of {byteCount} bytes at {fileOffset} were written, then {rule.ErrorKind}.",
            ErrorNumbers.Of(rule.ErrorKind));
    }
}
