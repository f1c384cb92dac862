// LuceneWorkloadSize: how much work one Lucene run does. The full size makes an index of 44 MiB
// (200,000 documents of 40-120 body words and a stored title of 4-10) and a 32 MiB file for the
// random Seek + ReadInt64 phase.

namespace Quire.ClientBenchmarks.LuceneClient;

internal sealed record LuceneWorkloadSize(int Documents, int Commits, int QueryPasses, int SeekFileBytes, int Seeks);
