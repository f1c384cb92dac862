// Payload: a FASTER value of 248 bytes (a 264-byte record with its header and key, about the size
// of a YCSB record's fields), carrying its key and the version the workload wrote, so every read
// checks it got the record it asked for.

using System.Runtime.InteropServices;

namespace Quire.ClientBenchmarks.FasterClient;

[StructLayout(LayoutKind.Sequential, Size = 248)]
internal struct Payload
{
    public long Key;
    public long Version;
}
