// SegmentWriter: the many-files workload's writer, shaped like a search index's: segments of
// seeded mixed sizes written front to back as new files, a commit every SegmentsPerCommit
// segments that makes the files written since the last commit durable and closes them, and the
// oldest files deleted after a commit so that the live files stay within the data size.
//
// One step (WriteChunk), in order:
//   1. A commit is due (SegmentsPerCommit segments written since the last): flush each new file,
//      timed as one commit; close them; delete the oldest files while the live bytes exceed the
//      bound. The step's own latency starts after the commit.
//   2. No segment is open: create the next as a new file of its full length (sparse: mmap cannot
//      grow a file) and open it through the engine.
//   3. Write the next chunk of the open segment; a segment written to its end waits for the
//      next commit with its handle open.
// Finish commits whatever is written (the open segment too), timed like any commit; DeleteAll
// closes and deletes every file, untimed.
//
// Locking: one worker thread runs WriteChunk; the runner's thread calls Finish and DeleteAll
// after joining it (Thread.Join orders them). Not thread-safe otherwise.
// Invariants: _liveBytes is the sum of the lengths of the segments in _closed, _written and
// _open; after a commit it is at most the bound plus the open segment, unless one segment alone
// is larger.

using System.Diagnostics;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Storage;

namespace Quire.Cli.Bench;

internal sealed class SegmentWriter(BenchEngine engine, BenchStorage storage, WorkloadPlan plan, int seed)
{
    // 64 KiB to 16 MiB: a small flushed segment to Lucene's default RAM buffer (16 MiB) flushed at
    // once; sizes are log-uniform between them, so most segments are small, as an index's are.
    public const int MinSegmentBytes = 64 << 10;
    public const int MaxSegmentBytes = 16 << 20;

    // 4 segments: a commit after a few flushed segments, so a commit flushes several files at once.
    public const int SegmentsPerCommit = 4;

    private readonly Random _random = new(seed); // (W) the worker's, then the runner's after the join
    private readonly Queue<Segment> _closed = new(); // committed, closed, oldest first
    private readonly List<Segment> _written = []; // written to their end, open, not yet committed
    private Segment? _open;
    private int _nextIndex;
    private long _liveBytes;

    /// <summary>The most one segment may hold: a quarter of the bound, so that the bound holds several.</summary>
    private long MaxBytes => Math.Max(plan.SequentialIoBytes, Math.Min(MaxSegmentBytes, plan.DataFileBytes / 4 / plan.SequentialIoBytes * plan.SequentialIoBytes));

    /// <summary>Writes one chunk of the current segment (see the steps above); returns the bytes written.</summary>
    public long WriteChunk(BenchWorker.State state)
    {
        if (_written.Count >= SegmentsPerCommit)
        {
            Commit(state.Flushes);
            state.StartTimestamp = Stopwatch.GetTimestamp();
        }

        _open ??= Create();
        int chunk = (int)Math.Min(plan.SequentialIoBytes, _open.Length - _open.WrittenBytes);
        _open.File!.Write(_open.WrittenBytes, state.Buffer[..chunk]);
        _open.WrittenBytes += chunk;
        if (_open.WrittenBytes == _open.Length)
        {
            _written.Add(_open);
            _open = null;
        }

        return chunk;
    }

    /// <summary>Commits everything written, the open segment included, timed into <paramref name="flushes"/>.</summary>
    public void Finish(LatencyHistogram flushes)
    {
        if (_open is not null)
        {
            _written.Add(_open);
            _open = null;
        }

        if (_written.Count > 0)
        {
            Commit(flushes);
        }
    }

    /// <summary>Closes and deletes every segment file; untimed.</summary>
    public void DeleteAll()
    {
        foreach (Segment segment in _written.Concat(_open is null ? [] : [_open]).Concat(_closed))
        {
            segment.File?.Dispose();
            storage.Delete(segment.Name);
        }

        _written.Clear();
        _closed.Clear();
        _open = null;
        _liveBytes = 0;
    }

    private Segment Create()
    {
        // Log-uniform from MinSegmentBytes to MaxBytes, rounded down to whole chunks.
        double octaves = Math.Log2((double)MaxBytes / MinSegmentBytes);
        long bytes = (long)(MinSegmentBytes * Math.Pow(2, _random.NextDouble() * Math.Max(0, octaves)));
        bytes = Math.Clamp(bytes / plan.SequentialIoBytes * plan.SequentialIoBytes, plan.SequentialIoBytes, MaxBytes);
        var segment = new Segment(storage.DataName + "-" + _nextIndex++.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), bytes);
        storage.CreateBlank(segment.Name, bytes);
        segment.File = engine.Open(segment.Name, bytes);
        _liveBytes += bytes;
        return segment;
    }

    private void Commit(LatencyHistogram flushes)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (Segment segment in _written)
        {
            segment.File!.Flush();
        }

        flushes.RecordTicks(Stopwatch.GetTimestamp() - start);
        foreach (Segment segment in _written)
        {
            segment.File!.Dispose();
            segment.File = null;
            _closed.Enqueue(segment);
        }

        _written.Clear();
        while (_liveBytes > plan.DataFileBytes && _closed.Count > 0)
        {
            Segment oldest = _closed.Dequeue();
            storage.Delete(oldest.Name);
            _liveBytes -= oldest.Length;
        }
    }

    private sealed class Segment(string name, long length)
    {
        public string Name { get; } = name;

        public long Length { get; } = length;

        public long WrittenBytes { get; set; }

        public BenchFile? File { get; set; }
    }
}
