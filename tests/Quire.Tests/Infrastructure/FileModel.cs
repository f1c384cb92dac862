// The reference model of one file: its bytes and size as a plain array, the oracle that the
// differential and stress tests compare the cache against (fsx's good_buf).

namespace Quire.Tests.Infrastructure;

public sealed class FileModel
{
    private byte[] _bytes = [];

    public long Length { get; private set; }

    public ReadOnlySpan<byte> Content => _bytes.AsSpan(0, (int)Length);

    public void Write(long fileOffset, ReadOnlySpan<byte> data)
    {
        long end = fileOffset + data.Length;
        EnsureCapacity(end);
        data.CopyTo(_bytes.AsSpan((int)fileOffset));
        Length = Math.Max(Length, end);
    }

    /// <summary>What a read of <paramref name="count"/> bytes at <paramref name="fileOffset"/> must return.</summary>
    public ReadOnlySpan<byte> Read(long fileOffset, int count)
    {
        if (fileOffset >= Length)
        {
            return [];
        }

        return _bytes.AsSpan((int)fileOffset, (int)Math.Min(count, Length - fileOffset));
    }

    public void SetLength(long length)
    {
        EnsureCapacity(length);
        if (length < Length)
        {
            _bytes.AsSpan((int)length, (int)(Length - length)).Clear();
        }

        Length = length;
    }

    private void EnsureCapacity(long length)
    {
        if (length > _bytes.Length)
        {
            Array.Resize(ref _bytes, (int)Math.Max(length, _bytes.Length * 2L));
        }
    }
}
