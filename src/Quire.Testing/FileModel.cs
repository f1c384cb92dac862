// FileModel: the reference model of one file (fsx's good_buf): its bytes and size as a plain
// array, plus the image of the last flush and every change since, which decide what a crash may
// leave behind.
//
// Locking: none; a model belongs to one test thread.
// Invariants: bytes of _bytes past Length are zero; _changes holds every write and truncate since
// the last MarkDurable, in order; _minLength/_maxLength bound every size since then.

namespace Quire.Testing;

/// <summary>
/// The reference model of a file: apply every write and length change to it that you apply to a
/// <see cref="CachedFile"/>, and compare what the cache returns with what the model says.
/// <see cref="MarkDurable"/> records a successful flush; <see cref="FindCrashViolation"/> then says
/// whether a crash image keeps every flushed byte (RELIABILITY I10).
/// </summary>
/// <remarks>Not thread-safe: a model belongs to one thread, or the caller serializes its use.</remarks>
public sealed class FileModel
{
    private readonly List<(long FileOffset, byte[]? Data)> _changes = []; // writes, and truncates (Data null) since the last flush
    private byte[] _bytes = [];
    private byte[] _durable = [];
    private long _minLength;
    private long _maxLength;

    /// <summary>The file's size.</summary>
    public long Length { get; private set; }

    /// <summary>The file's content.</summary>
    public ReadOnlySpan<byte> Content => _bytes.AsSpan(0, (int)Length);

    /// <summary>The number of writes and length changes since the last <see cref="MarkDurable"/> (what a crash may partly keep).</summary>
    public int ChangesSinceDurable => _changes.Count;

    /// <summary>The content as of the last <see cref="MarkDurable"/>.</summary>
    public ReadOnlySpan<byte> DurableContent => _durable;

    /// <summary>Writes <paramref name="data"/> at <paramref name="fileOffset"/>, extending the file (with zeros in any gap) as needed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative or the end exceeds the largest array.</exception>
    public void Write(long fileOffset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        long end = fileOffset + data.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, Array.MaxLength, nameof(fileOffset));
        EnsureCapacity(end);
        data.CopyTo(_bytes.AsSpan((int)fileOffset));
        Length = Math.Max(Length, end);
        _maxLength = Math.Max(_maxLength, Length);
        if (data.Length > 0)
        {
            _changes.Add((fileOffset, data.ToArray()));
        }
    }

    /// <summary>What a read of <paramref name="count"/> bytes at <paramref name="fileOffset"/> must return: short at end of file, empty past it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is negative.</exception>
    public ReadOnlySpan<byte> Read(long fileOffset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (fileOffset >= Length)
        {
            return [];
        }

        return _bytes.AsSpan((int)fileOffset, (int)Math.Min(count, Length - fileOffset));
    }

    /// <summary>Sets the size; bytes past a shrunk end are gone and read as zeros after a later extension.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or exceeds the largest array.</exception>
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Array.MaxLength);
        EnsureCapacity(length);
        if (length < Length)
        {
            _bytes.AsSpan((int)length, (int)(Length - length)).Clear();
        }

        Length = length;
        _minLength = Math.Min(_minLength, length);
        _maxLength = Math.Max(_maxLength, length);
        _changes.Add((length, null));
    }

    /// <summary>Records that a flush of the whole file returned successfully: the present content and size are durable.</summary>
    public void MarkDurable()
    {
        _durable = Content.ToArray();
        _minLength = Length;
        _maxLength = Length;
        _changes.Clear();
    }

    /// <summary>
    /// Checks a crash image against the last durable state (RELIABILITY I10): its size lies between
    /// the smallest and the largest size the file had since the last flush; every byte holds its
    /// flushed value or a value written since (zeros where a truncate since the flush cut the file
    /// or past the flushed size). Nothing else is promised for unflushed data.
    /// </summary>
    /// <returns>A sentence describing the first violation, or null when the image is allowed.</returns>
    public string? FindCrashViolation(ReadOnlySpan<byte> image)
    {
        if (image.Length < _minLength || image.Length > _maxLength)
        {
            return $"The crash image has {image.Length} bytes; the size since the last flush was between {_minLength} and {_maxLength}.";
        }

        // A byte is explained by its flushed value (zero past the flushed size), by a write since
        // the flush, or, if zero, by a truncate since the flush that cut below it. One pass over
        // the image and one over the changes, so a long list of unflushed writes stays cheap.
        var explained = new bool[image.Length];
        int common = Math.Min(image.Length, _durable.Length);
        for (int i = 0; i < common; i++)
        {
            explained[i] = image[i] == _durable[i];
        }

        for (int i = common; i < image.Length; i++)
        {
            explained[i] = image[i] == 0;
        }

        foreach ((long fileOffset, byte[]? data) in _changes)
        {
            if (data is null)
            {
                for (long i = fileOffset; i < image.Length; i++)
                {
                    explained[i] |= image[(int)i] == 0;
                }

                continue;
            }

            long stop = Math.Min(image.Length, fileOffset + data.Length);
            for (long i = fileOffset; i < stop; i++)
            {
                explained[i] |= image[(int)i] == data[i - fileOffset];
            }
        }

        int first = Array.IndexOf(explained, false);
        if (first >= 0)
        {
            string flushed = first < _durable.Length ? _durable[first].ToString(System.Globalization.CultureInfo.InvariantCulture) : "none (past the flushed size)";
            return $"Byte {first} of the crash image is {image[first]}; its flushed value is {flushed} and no write or truncate since the flush explains it.";
        }

        return null;
    }

    private void EnsureCapacity(long length)
    {
        if (length > _bytes.Length)
        {
            Array.Resize(ref _bytes, (int)Math.Min(Math.Max(length, _bytes.Length * 2L), Array.MaxLength));
        }
    }
}
