namespace Quire.Testing;

/// <summary>
/// One entry of a <see cref="FaultInjectingBackingStore"/>'s fault schedule: which calls it
/// applies to, when it fires, and what it does. Rules are immutable; the store counts the calls
/// each rule has seen from the moment it was added, so a rule can be added, removed and re-added
/// while the cache runs (the device fails and heals).
/// </summary>
/// <remarks>
/// With <see cref="NthCall"/> = 0, every matching call fires with <see cref="Probability"/>
/// (1 by default: every call, a persistent failure until the rule is removed). With
/// <see cref="NthCall"/> = N, only the Nth matching call fires (a transient failure), or, with
/// <see cref="Persistent"/>, the Nth and every later one.
/// </remarks>
public sealed class FaultRule
{
    private readonly StoreOperations _operations = StoreOperations.None;
    private readonly long _nthCall;
    private readonly double _probability = 1.0;
    private readonly int _shortWriteBytes = -1;
    private readonly TimeSpan _delay;

    /// <summary>The calls the rule applies to.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No operation, or an undefined one.</exception>
    public required StoreOperations Operations
    {
        get => _operations;
        init
        {
            if (value == StoreOperations.None || (value & ~StoreOperations.All) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Operations), value, "A fault rule applies to at least one of Read, Write, Flush and SetLength.");
            }

            _operations = value;
        }
    }

    /// <summary>The matching call (1-based, counted from when the rule was added) that fires; 0 for every call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long NthCall
    {
        get => _nthCall;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(NthCall));
            _nthCall = value;
        }
    }

    /// <summary>Whether the rule keeps firing on every matching call after it fired once. Default false.</summary>
    public bool Persistent { get; init; }

    /// <summary>The chance, from the store's seeded generator, that an eligible call fires. Default 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1].</exception>
    public double Probability
    {
        get => _probability;
        init
        {
            if (!(value is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(Probability), value, "A probability lies in [0, 1].");
            }

            _probability = value;
        }
    }

    /// <summary>What the fired call does. Default <see cref="FaultEffect.Error"/>.</summary>
    public FaultEffect Effect { get; init; } = FaultEffect.Error;

    /// <summary>The error a failing call reports; its errno becomes the exception's HResult. Default <see cref="IOErrorKind.IOError"/> (EIO).</summary>
    public IOErrorKind ErrorKind { get; init; } = IOErrorKind.IOError;

    /// <summary>When set, the rule applies only to reads and writes that touch this byte range (flushes and length changes always match).</summary>
    public ByteRange? Range { get; init; }

    /// <summary>How many bytes a <see cref="FaultEffect.ShortWrite"/> stores before it throws; -1 (the default) for a seeded number smaller than the write.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below -1.</exception>
    public int ShortWriteBytes
    {
        get => _shortWriteBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, -1, nameof(ShortWriteBytes));
            _shortWriteBytes = value;
        }
    }

    /// <summary>How long a <see cref="FaultEffect.Delay"/> waits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan Delay
    {
        get => _delay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(Delay));
            _delay = value;
        }
    }

    /// <summary>A rule that fails the <paramref name="nthCall"/>th matching call once, or from then on when <paramref name="persistent"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nthCall"/> is below 1, or <paramref name="operations"/> is empty.</exception>
    public static FaultRule FailNth(StoreOperations operations, long nthCall, IOErrorKind errorKind = IOErrorKind.IOError, bool persistent = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nthCall, 1);
        return new FaultRule { Operations = operations, NthCall = nthCall, ErrorKind = errorKind, Persistent = persistent };
    }

    /// <summary>A rule that fails every matching call until it is removed (a persistent failure).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operations"/> is empty.</exception>
    public static FaultRule FailAll(StoreOperations operations, IOErrorKind errorKind = IOErrorKind.IOError) =>
        new() { Operations = operations, ErrorKind = errorKind };

    /// <summary>A rule that fails each matching call with <paramref name="probability"/> (seeded by the store).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The probability is outside [0, 1], or <paramref name="operations"/> is empty.</exception>
    public static FaultRule FailFraction(StoreOperations operations, double probability, IOErrorKind errorKind = IOErrorKind.IOError) =>
        new() { Operations = operations, Probability = probability, ErrorKind = errorKind };

    /// <inheritdoc/>
    public override string ToString()
    {
        string when = NthCall > 0 ? $"call #{NthCall}{(Persistent ? " and later" : string.Empty)}" : Probability < 1 ? $"p={Probability:0.###}" : "every call";
        return $"{Effect} {ErrorKind} on {Operations} ({when}{(Range is { } r ? $", range {r}" : string.Empty)})";
    }
}
