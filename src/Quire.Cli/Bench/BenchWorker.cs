// BenchWorker: one worker thread of a run: repeats its step until the run stops, timing each
// counted operation into its own histogram (merged by the runner after the join). A step returns
// the bytes it moved, or -1 when it reached the end of its file, which ends the run.
//
// Locking: the worker's fields are its thread's own until the runner joins it (Thread.Join is the
// barrier before Histogram and EndTimestamp are read); shared counts go through BenchRunState.

using System.Diagnostics;

namespace Quire.Cli.Bench;

internal sealed class BenchWorker
{
    private readonly BenchRunState _run;
    private readonly bool _counted;
    private readonly int _bufferBytes;
    private readonly int _seed;
    private readonly Func<State, long> _step;
    private readonly LatencyHistogram _flushes = new();
    private CountdownEvent? _running; // set by Start, before the thread runs

    public BenchWorker(BenchRunState run, int index, bool counted, int bufferBytes, int seed, Func<State, long> step)
    {
        _run = run;
        _counted = counted;
        _bufferBytes = bufferBytes;
        _seed = seed + index;
        _step = step;
        Thread = new Thread(Run) { IsBackground = true, Name = $"quire-bench-{index}" };
    }

    public Thread Thread { get; }

    public LatencyHistogram Histogram { get; } = new();

    /// <summary>The durable flushes (checkpoints, commits) this worker timed; read after joining its thread.</summary>
    public LatencyHistogram Flushes => _flushes;

    /// <summary>When the worker stopped (Stopwatch timestamp); read after joining its thread.</summary>
    public long EndTimestamp { get; private set; }

    /// <summary>Starts the thread; it signals <paramref name="running"/> when it stops.</summary>
    public void Start(CountdownEvent running)
    {
        _running = running;
        Thread.Start();
    }

    private void Run()
    {
        try
        {
            RunSteps();
        }
        catch (Exception e)
        {
            // Reported by the runner after the join; nothing is thrown on this thread.
            _run.Fail(e);
        }
        finally
        {
            EndTimestamp = Stopwatch.GetTimestamp();
            _running!.Signal();
        }
    }

    private void RunSteps()
    {
        using var buffer = new NativeBuffer(_bufferBytes);
        var random = new Random(_seed);
        random.NextBytes(buffer.Span);
        var state = new State(buffer, random, _flushes);
        while (!_run.Stopping)
        {
            if (_counted && !_run.ClaimOperation())
            {
                return;
            }

            state.StartTimestamp = Stopwatch.GetTimestamp();
            long bytes = _step(state);
            if (bytes < 0)
            {
                _run.Stop(BenchRunner.StoppedByEndOfFile);
                return;
            }

            if (_counted)
            {
                Histogram.RecordTicks(Stopwatch.GetTimestamp() - state.StartTimestamp);
                _run.AddCounted(bytes);
            }
            else
            {
                _run.AddBackground(bytes);
            }
        }
    }

    /// <summary>A worker's own state for its step: its buffer, random numbers and pacing. Only its thread uses it.</summary>
    public sealed class State(NativeBuffer buffer, Random random, LatencyHistogram flushes)
    {
        public Span<byte> Buffer => buffer.Span;

        public Random Random { get; } = random;

        /// <summary>Durable flushes the step timed apart from its operations.</summary>
        public LatencyHistogram Flushes { get; } = flushes;

        /// <summary>The checkpoint workload: this worker crossed a flush interval, so its next step flushes first.</summary>
        public bool FlushDue { get; set; }

        /// <summary>When the timed part of the operation began; a step that waits first resets it.</summary>
        public long StartTimestamp { get; set; }

        public long NextDueTimestamp { get; set; } = Stopwatch.GetTimestamp();

        public long AppendCount { get; set; }
    }
}
