// FasterSetup: what an engine gives the FASTER workload to build a store on: the log device, the
// read cache if the engine has one, the page cache's statistics if it is Quire, and how to close
// what it opened once the store is disposed.

using FASTER.core;

namespace Quire.ClientBenchmarks.FasterClient;

internal sealed record FasterSetup(IDevice Device, ReadCacheSettings? ReadCache, Func<PageCacheStatistics>? Statistics, Action Close);
