// WriteDevice: what the cache knows about one device its files write to (Linux's bdi_writeback):
// the device's measured write bandwidth, the dirty rate limit the throttle derives from it, and
// the files' shares of the device's recent writeout. Every file on one device shares them, so a
// new file is paced by what the device does, not by a guess of its own. Files opened by path are
// grouped by the file system's device number; any other backing store is a device of its own.
//
// 1. Bandwidth (Linux's wb_update_write_bandwidth): every BandwidthInterval (200 ms) while the
//    device has data to write, the pages whose writes completed since the last sample, over the
//    time since it, are averaged into the estimate with a weight of elapsed / 3 s, or taken as
//    the estimate when higher (see SampleBandwidth). A gap of over a second with nothing to write
//    is an idle device, not a slow one: it starts a new sample instead.
// 2. Dirty rate limit (Linux's dirty_ratelimit): the rate one writer may dirty pages at the
//    setpoint. Every BandwidthInterval while writers are throttled, the rate the writers actually
//    dirtied at is compared with the bandwidth: with N writers each paced at the limit, they dirty
//    N times faster than the device writes, so the balanced limit is the limit times bandwidth
//    over the dirty rate, bandwidth / N. The limit rises to it at once and falls halfway to it.
// 3. Writeout shares (Linux's flex proportions): each completed write adds its pages to its
//    file's count and to the device's total; counts halve every WriteoutPeriod (3 s), so a share
//    follows recent writeout. A file's share is its count over the total, and at least a fair
//    share, 1 / (files with data to write), so a new file starts with a fair share, not none.
//
// Locking: _lock guards the samples, the rate limit's inputs and the writeout total; each file's
// writeout count is guarded by its file lock (taken before _lock). Readers of the estimates and
// shares read them without a lock (racy doubles a heuristic tolerates).

using Quire.Internal;
using Quire.Metrics;

namespace Quire.Files;

internal sealed class WriteDevice
{
    /// <summary>100 MB/s: the first estimate of a device's write bandwidth, as Linux starts (INIT_BW).</summary>
    public const double InitialBandwidthBytesPerSecond = 100e6;

    /// <summary>200 ms between samples of bandwidth and dirty rate: Linux's BANDWIDTH_INTERVAL.</summary>
    public static readonly TimeSpan BandwidthInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>3 s: the window bandwidth is averaged over and the period of the writeout shares (Linux's 3 s for both).</summary>
    public static readonly TimeSpan AveragingPeriod = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan s_idleGap = TimeSpan.FromSeconds(1); // longer with nothing to write is idle time, not a sample

    private readonly Lock _lock = new();
    private readonly int _pageShift; // (I)
    private long _pagesWritten; // (A) pages whose write completed
    private readonly StripedCounter _pagesDirtied = new(); // (A) pages that went from clean to dirty: striped, since every write that dirties a page counts here
    private int _filesWriting; // (A) files with dirty or under-writeback pages
    private long _nextSample = long.MinValue; // (_lock) writes; lock-free reads: no sample is due before this timestamp
    private long _bandwidthStamp = long.MinValue; // (_lock) TimeProvider timestamp of the last bandwidth sample
    private long _writtenAtStamp; // (_lock)
    private long _rateStamp = long.MinValue; // (_lock) timestamp of the last rate-limit update
    private long _dirtiedAtRateStamp; // (_lock)
    private double _bandwidth; // (_lock) writes; racy reads; pages per second
    private double _dirtyRateLimit; // (_lock) writes; racy reads; pages per second
    private long _writeoutTotal; // (_lock) aged to _writeoutPeriod
    private int _writeoutPeriod; // (_lock)

    public WriteDevice(object key, int pageSize)
    {
        Key = key;
        _pageShift = System.Numerics.BitOperations.Log2((uint)pageSize);
        _bandwidth = InitialBandwidthBytesPerSecond / pageSize;
        _dirtyRateLimit = _bandwidth;
    }

    /// <summary>(I) What the device is known by: a device number, or the backing store itself.</summary>
    public object Key { get; }

    /// <summary>(FileTable lock) The file objects that write to this device.</summary>
    public int FileCount { get; set; }

    /// <summary>The estimated write bandwidth in pages per second.</summary>
    public double BandwidthPagesPerSecond => Volatile.Read(ref _bandwidth);

    /// <summary>The estimated write bandwidth in bytes per second.</summary>
    public double BandwidthBytesPerSecond => BandwidthPagesPerSecond * (1 << _pageShift);

    /// <summary>The rate one writer may dirty pages at the setpoint, in pages per second.</summary>
    public double DirtyRateLimitPagesPerSecond => Volatile.Read(ref _dirtyRateLimit);

    /// <summary>The files on this device with pages to write (dirty or under writeback); at least 1.</summary>
    public int FilesWriting => Math.Max(1, Volatile.Read(ref _filesWriting));

    /// <summary>Counts a file that started (+1) or stopped (-1) having pages to write.</summary>
    public void AddFileWriting(int delta) => Interlocked.Add(ref _filesWriting, delta);

    /// <summary>Counts pages of this device's files that became dirty.</summary>
    public void AddPagesDirtied(int pageCount) => _pagesDirtied.Add(pageCount);

    /// <summary>
    /// Counts a completed write of <paramref name="pageCount"/> pages of <paramref name="file"/> in
    /// the bandwidth and in the writeout shares. The caller holds the file lock.
    /// </summary>
    public void AddPagesWrittenLocked(FileObject file, int pageCount, int nowTick)
    {
        Interlocked.Add(ref _pagesWritten, pageCount);
        int period = PeriodOf(nowTick);
        using (LockOrder.Enter(_lock, LockRank.WriteDevice))
        {
            _writeoutTotal = Age(_writeoutTotal, period - _writeoutPeriod) + pageCount;
            _writeoutPeriod = period;
        }

        file.WriteoutPages = Age(file.WriteoutPages, period - file.WriteoutPeriod) + pageCount;
        file.WriteoutPeriod = period;
    }

    /// <summary>The file's share of this device's recent writeout, at least a fair share (step 3). Racy.</summary>
    public double WriteoutShare(FileObject file, int nowTick)
    {
        int period = PeriodOf(nowTick);
        long total = Age(Volatile.Read(ref _writeoutTotal), period - Volatile.Read(ref _writeoutPeriod));
        long own = Age(file.WriteoutPages, period - file.WriteoutPeriod);
        double fair = 1.0 / FilesWriting;
        return total <= 0 ? fair : Math.Clamp((double)own / total, fair, 1);
    }

    /// <summary>
    /// Takes a bandwidth sample if BandwidthInterval has passed (step 1). <paramref name="busy"/>
    /// says whether the device had data to write all along; an idle stretch starts a new sample.
    /// </summary>
    public void SampleBandwidth(TimeProvider timeProvider, bool busy)
    {
        long now = timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref _nextSample))
        {
            return; // the common case on a writer's path: no lock
        }

        using (LockOrder.Enter(_lock, LockRank.WriteDevice))
        {
            long written = Volatile.Read(ref _pagesWritten);
            if (_bandwidthStamp == long.MinValue)
            {
                (_bandwidthStamp, _writtenAtStamp) = (now, written);
                return;
            }

            TimeSpan elapsed = timeProvider.GetElapsedTime(_bandwidthStamp, now);
            if (elapsed < BandwidthInterval)
            {
                return;
            }

            if (busy && elapsed <= s_idleGap && written > _writtenAtStamp)
            {
                double sample = (written - _writtenAtStamp) / elapsed.TotalSeconds;

                // A rise is taken at once, a fall over AveragingPeriod: pacing writers by too low an
                // estimate pauses them while the device idles, by too high one only lets the data
                // reach the limit, where writers wait for completed writes instead.
                TimeSpan window = sample > _bandwidth ? elapsed : AveragingPeriod;
                double weight = Math.Min(1, elapsed / window);
                Volatile.Write(ref _bandwidth, Math.Max(1, (_bandwidth * (1 - weight)) + (sample * weight)));
            }

            (_bandwidthStamp, _writtenAtStamp) = (now, written);
            Volatile.Write(ref _nextSample, now + (long)(BandwidthInterval.TotalSeconds * timeProvider.TimestampFrequency));
        }
    }

    /// <summary>
    /// Updates the dirty rate limit from what throttled writers did since the last update (step 2).
    /// <paramref name="positionRatio"/> is the throttle's position on its control curve now.
    /// </summary>
    public void UpdateDirtyRateLimit(TimeProvider timeProvider, double positionRatio)
    {
        long now = timeProvider.GetTimestamp();
        using (LockOrder.Enter(_lock, LockRank.WriteDevice))
        {
            long dirtied = _pagesDirtied.Value;
            if (_rateStamp == long.MinValue)
            {
                (_rateStamp, _dirtiedAtRateStamp) = (now, dirtied);
                return;
            }

            TimeSpan elapsed = timeProvider.GetElapsedTime(_rateStamp, now);
            if (elapsed < BandwidthInterval)
            {
                return;
            }

            if (elapsed <= s_idleGap && dirtied > _dirtiedAtRateStamp && positionRatio > 0)
            {
                double dirtyRate = (dirtied - _dirtiedAtRateStamp) / elapsed.TotalSeconds;
                double bandwidth = BandwidthPagesPerSecond;
                double taskRate = _dirtyRateLimit * positionRatio;
                double balanced = Math.Min(bandwidth, taskRate * bandwidth / dirtyRate);
                // Up at once, down halfway: a limit too low pauses writers while the device idles;
                // one too high only lets the data climb the curve, which slows them again.
                double limit = balanced > _dirtyRateLimit ? balanced : _dirtyRateLimit + ((balanced - _dirtyRateLimit) / 2);
                Volatile.Write(ref _dirtyRateLimit, Math.Clamp(limit, 1, Math.Max(1, bandwidth)));
            }

            (_rateStamp, _dirtiedAtRateStamp) = (now, dirtied);
        }
    }

    private static int PeriodOf(int tick) => tick / (int)(AveragingPeriod.TotalMilliseconds / CacheClock.TickMilliseconds);

    private static long Age(long count, int periods) => periods <= 0 ? count : periods >= 63 ? 0 : count >> periods;
}
