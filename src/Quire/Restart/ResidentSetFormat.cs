// ResidentSetFormat: the bytes of a saved resident set, version 1, little-endian:
//
//   header   8  magic "QuireRS\n"
//            2  version (1)       2  flags (0)
//            4  page size         4  file count
//   per file 2  path length       n  path (UTF-8)
//            8  device            8  inode
//            8  size in bytes     8  modification time (ns since the Unix epoch)
//            v  run count, then per run: v gap (pages since the previous run's end), v page count,
//               1 hotness (PageHotness)                         v = unsigned LEB128, at most 10 bytes
//   trailer  4  CRC-32C of every byte before it
//
// A million resident pages in long runs take a few kilobytes; scattered single pages about three
// bytes each. Decoding checks the checksum first, then every count against the bytes left and
// every value against its range, and must consume the bytes exactly: anything else is a reason
// string, never an exception, so a truncated or corrupt file is ignored, not a crash.
//
// Locking: stateless.

using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Quire.Files;

namespace Quire.Restart;

internal static class ResidentSetFormat
{
    public const ushort Version = 1;

    /// <summary>4,096: PATH_MAX on Linux; a longer path cannot have been opened.</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>1 Mi files: far more than a cache keeps (PageCacheOptions.MaxIdleFiles plus the open ones), so only corruption reaches it.</summary>
    public const int MaxFileCount = 1 << 20;

    private const int HeaderBytes = 20;
    private const int TrailerBytes = 4;
    private static readonly byte[] s_magic = "QuireRS\n"u8.ToArray();

    /// <summary>Encodes <paramref name="set"/>.</summary>
    public static byte[] Encode(ResidentSet set)
    {
        using var stream = new MemoryStream();
        Span<byte> scratch = stackalloc byte[32];
        stream.Write(s_magic);
        BinaryPrimitives.WriteUInt16LittleEndian(scratch, Version);
        BinaryPrimitives.WriteUInt16LittleEndian(scratch[2..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(scratch[4..], set.PageSize);
        BinaryPrimitives.WriteInt32LittleEndian(scratch[8..], set.Files.Length);
        stream.Write(scratch[..12]);
        foreach (ResidentFile file in set.Files)
        {
            byte[] path = Encoding.UTF8.GetBytes(file.Path);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)path.Length);
            stream.Write(scratch[..2]);
            stream.Write(path);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, file.Identity.Device);
            BinaryPrimitives.WriteInt64LittleEndian(scratch[8..], file.Identity.Inode);
            BinaryPrimitives.WriteInt64LittleEndian(scratch[16..], file.SizeBytes);
            BinaryPrimitives.WriteInt64LittleEndian(scratch[24..], file.ModifiedNanoseconds);
            stream.Write(scratch);
            WriteVarint(stream, (ulong)file.Runs.Length);
            long previousEnd = 0;
            foreach (PageRun run in file.Runs)
            {
                WriteVarint(stream, (ulong)(run.FirstPage - previousEnd));
                WriteVarint(stream, (ulong)run.PageCount);
                stream.WriteByte((byte)run.Hotness);
                previousEnd = run.EndPage;
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(scratch, Crc32C(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        stream.Write(scratch[..4]);
        return stream.ToArray();
    }

    /// <summary>Decodes a saved resident set; on any fault returns null and says why in <paramref name="reason"/>.</summary>
    public static ResidentSet? TryDecode(ReadOnlySpan<byte> bytes, out string reason)
    {
        if (bytes.Length < HeaderBytes + TrailerBytes)
        {
            reason = $"it is {bytes.Length} bytes long, shorter than a header and a checksum ({HeaderBytes + TrailerBytes} bytes)";
            return null;
        }

        if (!bytes[..s_magic.Length].SequenceEqual(s_magic))
        {
            reason = "it does not start with the magic of a saved resident set";
            return null;
        }

        ReadOnlySpan<byte> body = bytes[..^TrailerBytes];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^TrailerBytes..]);
        uint computed = Crc32C(body);
        if (stored != computed)
        {
            reason = $"its checksum does not match (stored 0x{stored:x8}, computed 0x{computed:x8}): it is truncated or corrupt";
            return null;
        }

        var reader = new Reader(body[s_magic.Length..]);
        ushort version = reader.UInt16();
        ushort flags = reader.UInt16();
        int pageSize = reader.Int32();
        int fileCount = reader.Int32();
        if (version != Version || flags != 0)
        {
            reason = $"it has version {version} and flags {flags}; this cache reads version {Version} with no flags";
            return null;
        }

        if (pageSize < PageCacheOptions.MinPageSize || pageSize > PageCacheOptions.MaxPageSize || !BitOperations.IsPow2(pageSize))
        {
            reason = $"its page size {pageSize} is not a power of two from {PageCacheOptions.MinPageSize} to {PageCacheOptions.MaxPageSize}";
            return null;
        }

        if (fileCount < 0 || fileCount > MaxFileCount)
        {
            reason = $"its file count {fileCount} is not from 0 to {MaxFileCount}";
            return null;
        }

        var files = new List<ResidentFile>(Math.Min(fileCount, 1024));
        for (int i = 0; i < fileCount; i++)
        {
            ResidentFile? file = TryDecodeFile(ref reader, pageSize, out reason);
            if (file is null)
            {
                reason = $"file {i}: {reason}";
                return null;
            }

            files.Add(file);
        }

        if (!reader.Ok || reader.Remaining != 0)
        {
            reason = reader.Ok ? $"{reader.Remaining} bytes follow the last file" : "it ends inside a file's record";
            return null;
        }

        reason = "";
        return new ResidentSet(pageSize, [.. files]);
    }

    private static ResidentFile? TryDecodeFile(ref Reader reader, int pageSize, out string reason)
    {
        int pathBytes = reader.UInt16();
        ReadOnlySpan<byte> pathSpan = reader.Bytes(pathBytes);
        long device = reader.Int64();
        long inode = reader.Int64();
        long size = reader.Int64();
        long modified = reader.Int64();
        ulong runCount = reader.Varint();
        if (!reader.Ok)
        {
            reason = "it ends inside the record";
            return null;
        }

        string path;
        try
        {
            path = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(pathSpan);
        }
        catch (DecoderFallbackException)
        {
            reason = "its path is not valid UTF-8";
            return null;
        }

        if (pathBytes == 0 || pathBytes > MaxPathBytes || !System.IO.Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            reason = $"its path of {pathBytes} bytes is not a full path of 1 to {MaxPathBytes} bytes";
            return null;
        }

        // A run takes at least three bytes, so a count the bytes left cannot hold is corrupt.
        if (size < 0 || runCount > (ulong)reader.Remaining / 3)
        {
            reason = $"its size {size} or its run count {runCount} is out of range";
            return null;
        }

        long pagesInFile = (size / pageSize) + (size % pageSize != 0 ? 1 : 0);
        var runs = new PageRun[(int)runCount];
        long previousEnd = 0;
        for (int i = 0; i < runs.Length; i++)
        {
            ulong gap = reader.Varint();
            ulong count = reader.Varint();
            byte hotness = reader.Byte();
            if (!reader.Ok || count == 0 || count > int.MaxValue || gap > (ulong)pagesInFile || hotness > (byte)PageHotness.Active)
            {
                reason = $"run {i} is out of range";
                return null;
            }

            long first = previousEnd + (long)gap;
            if (first + (long)count > pagesInFile)
            {
                reason = $"run {i} ends at page {first + (long)count}, past the file's {pagesInFile} pages";
                return null;
            }

            runs[i] = new PageRun(first, (int)count, (PageHotness)hotness);
            previousEnd = runs[i].EndPage;
        }

        reason = "";
        return new ResidentFile(path, new FileIdentity(device, inode), size, modified, runs);
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="bytes"/>, with the usual inversions; the CPU's instruction where it has one.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        uint crc = uint.MaxValue;
        while (bytes.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[sizeof(ulong)..];
        }

        foreach (byte b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private static void WriteVarint(MemoryStream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    /// <summary>Reads from a span; a read past its end sets <see cref="Ok"/> false and returns zeros, so callers check once per record.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private const int MaxVarintBytes = 10; // 64 bits in 7-bit groups

        private ReadOnlySpan<byte> _bytes = bytes;

        public bool Ok { get; private set; } = true;

        public readonly int Remaining => _bytes.Length;

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (!Ok || count > _bytes.Length)
            {
                Ok = false;
                return [];
            }

            ReadOnlySpan<byte> taken = _bytes[..count];
            _bytes = _bytes[count..];
            return taken;
        }

        public byte Byte() => Bytes(1) is [byte b] ? b : (byte)0;

        public ushort UInt16() => Bytes(2) is { Length: 2 } b ? BinaryPrimitives.ReadUInt16LittleEndian(b) : (ushort)0;

        public int Int32() => Bytes(4) is { Length: 4 } b ? BinaryPrimitives.ReadInt32LittleEndian(b) : 0;

        public long Int64() => Bytes(8) is { Length: 8 } b ? BinaryPrimitives.ReadInt64LittleEndian(b) : 0;

        public ulong Varint()
        {
            ulong value = 0;
            for (int i = 0; i < MaxVarintBytes; i++)
            {
                byte b = Byte();
                value |= (ulong)(b & 0x7f) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            Ok = false;
            return 0;
        }
    }
}
