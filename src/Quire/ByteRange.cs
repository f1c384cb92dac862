namespace Quire;

/// <summary>A range of bytes of a file: <see cref="ByteCount"/> bytes from <see cref="FileOffset"/>.</summary>
/// <param name="FileOffset">The first byte of the range.</param>
/// <param name="ByteCount">The number of bytes in the range.</param>
public readonly record struct ByteRange(long FileOffset, long ByteCount)
{
    /// <summary>The offset just past the range.</summary>
    public long End => FileOffset + ByteCount;

    /// <inheritdoc/>
    public override string ToString() => $"[{FileOffset}, {End})";
}
