namespace Quire.Testing;

/// <summary>What a <see cref="CrashSimulatingBackingStore"/> holds after a simulated power cut.</summary>
public sealed class CrashImage
{
    private readonly byte[] _content;

    internal CrashImage(string name, byte[] content, int appliedChanges, int droppedChanges, int tornWrites)
    {
        Name = name;
        _content = content;
        AppliedChanges = appliedChanges;
        DroppedChanges = droppedChanges;
        TornWrites = tornWrites;
    }

    /// <summary>The crashed store's name.</summary>
    public string Name { get; }

    /// <summary>The bytes on the disk after the crash.</summary>
    public ReadOnlySpan<byte> Content => _content;

    /// <summary>Volatile writes and length changes that landed whole.</summary>
    public int AppliedChanges { get; }

    /// <summary>Volatile writes and length changes that were lost.</summary>
    public int DroppedChanges { get; }

    /// <summary>Volatile writes of which only some sectors landed.</summary>
    public int TornWrites { get; }

    /// <summary>A fresh store holding the crash image as its durable content: the disk after reboot.</summary>
    public CrashSimulatingBackingStore OpenStore() => new(Name, _content);
}
