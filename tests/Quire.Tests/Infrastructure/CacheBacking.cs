// Where a CacheTarget keeps its file: a MemoryBackingStore, or a real file in a temporary directory.

namespace Quire.Tests.Infrastructure;

public enum CacheBacking
{
    Memory,
    RealFile,
}
