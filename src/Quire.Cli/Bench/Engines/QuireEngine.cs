// QuireEngine: the bench's engine for Quire: one PageCache with the pool and page size of the run,
// files opened through it (local files, or RBD images through an RbdBackingStore), figures from
// PageCache.GetStatistics().
//
// Locking: the PageCache's own; immutable otherwise.

namespace Quire.Cli.Bench.Engines;

internal sealed class QuireEngine(PageCacheOptions options, Func<PageCache, string, CachedFile>? open = null) : BenchEngine
{
    public const string EngineName = "quire";

    private readonly PageCache _cache = new(options); // (I)

    public override string Name => EngineName;

    public override string DeviceBytesSource => "cache statistics";

    public override string WriteIosSource => "cache statistics";

    public override string DirtySource => "cache statistics: dirty + writeback + unsynced";

    public PageCache Cache => _cache;

    public override BenchFile Open(string path, long length) => new QuireFile(open is null ? _cache.Open(path, FileMode.Open) : open(_cache, path));

    public override EngineSnapshot Snapshot()
    {
        PageCacheStatistics statistics = _cache.GetStatistics();
        return new EngineSnapshot
        {
            DeviceReadBytes = statistics.PagesRead * statistics.PageSize,
            DeviceWrittenBytes = statistics.BytesWritten,
            WriteIos = statistics.WriteIos,
            DirtyBytes = (long)statistics.NotDurablePages * statistics.PageSize,
            Hits = statistics.Hits,
            Misses = statistics.Misses,
            ThrottlePauses = statistics.ThrottlePauses,
            BackgroundThresholdBytes = (long)statistics.BackgroundThresholdPages * statistics.PageSize,
            DirtyLimitBytes = (long)statistics.DirtyLimitPages * statistics.PageSize,
            Statistics = statistics,
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cache.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class QuireFile(CachedFile file) : BenchFile
    {
        private readonly long _pageCount = Math.Max(1, (file.Length + file.PageSize - 1) / file.PageSize);

        public override double? ResidentFraction => (double)file.GetStatistics().ResidentPages / _pageCount;

        public override void Read(long fileOffset, Span<byte> buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = file.Read(fileOffset + done, buffer[done..]);
                if (read == 0)
                {
                    throw new EndOfStreamException($"'{file.Name}' ended at {fileOffset + done} bytes, inside the range the bench reads.");
                }

                done += read;
            }
        }

        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer) => file.Write(fileOffset, buffer);

        public override void Flush() => file.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }
        }
    }
}
