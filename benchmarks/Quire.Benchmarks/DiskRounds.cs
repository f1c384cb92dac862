// DiskRounds: the harness of the disk-bound questions (cold reads, sequential writes), used
// instead of BenchmarkDotNet. The virtual disk here changes speed by 2x from one second to the
// next, and BenchmarkDotNet runs a case's iterations back to back, so a slow spell lands on one
// contender and shows up as a ratio. DiskRounds runs the contenders in rounds, one round of each
// in turn, rotating the order every round, and compares each contender with its baseline in the
// same round (a paired ratio), so drift cancels.
//
// Steps: 1. warm-up rounds, not recorded (JIT, first touch of frame memory);
// 2. measured rounds: for each contender in the round's order, BeforeRound, then Round timed
// with a Stopwatch and its managed allocation counted (all threads), then AfterRound;
// 3. per contender: its rate per round, and its rate over its baseline's per round.

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Quire.Benchmarks;

internal static class DiskRounds
{
    /// <summary>Runs the rounds and writes disk-<paramref name="fileStem"/>.json to the results directory.</summary>
    public static DiskQuestionResult Run(string fileStem, string question, string unit, double? target, int warmupRounds, int measuredRounds, IReadOnlyList<DiskContender> contenders, IReadOnlyDictionary<string, double>? referenceTargets = null)
    {
        var rates = contenders.Select(_ => new double[measuredRounds]).ToArray();
        long[] allocated = new long[contenders.Count];
        for (int round = 0; round < warmupRounds + measuredRounds; round++)
        {
            bool measured = round >= warmupRounds;
            for (int turn = 0; turn < contenders.Count; turn++)
            {
                int index = (turn + round) % contenders.Count;
                DiskContender contender = contenders[index];
                contender.BeforeRound();
                contender.Latencies?.Recording = measured;
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                long start = Stopwatch.GetTimestamp();
                contender.Round();
                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                long allocatedDuring = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                contender.AfterRound();
                double rate = contender.UnitsPerRound / elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fileStem} round {round}{(measured ? "" : " (warm-up)")}: {contender.Name} {contender.Parameters} {rate:0.0} {unit}"));
                if (measured)
                {
                    rates[index][round - warmupRounds] = rate;
                    allocated[index] += allocatedDuring;
                }
            }
        }

        var results = new List<DiskContenderResult>();
        for (int i = 0; i < contenders.Count; i++)
        {
            DiskContender contender = contenders[i];
            double[] ratios = [];
            if (contender.BaselineName is { } baselineName)
            {
                int baseline = FindBaseline(contenders, baselineName, contender.Parameters);
                ratios = rates[i].Select((rate, round) => rate / rates[baseline][round]).ToArray();
            }

            var referenceRatios = new Dictionary<string, double[]>();
            foreach (string referenceName in contender.References)
            {
                int reference = FindReference(contenders, referenceName, contender.Parameters);
                referenceRatios[referenceName] = rates[i].Select((rate, round) => rate / rates[reference][round]).ToArray();
            }

            results.Add(new DiskContenderResult
            {
                Name = contender.Name,
                Parameters = contender.Parameters,
                BaselineName = contender.BaselineName,
                Rates = rates[i],
                RatiosToBaseline = ratios,
                RatiosToReferences = referenceRatios,
                Latency = contender.Latencies?.Summarize(),
                AllocatedBytesPerOperation = (double)allocated[i] / (contender.OperationsPerRound * measuredRounds),
            });
        }

        var result = new DiskQuestionResult
        {
            Question = question,
            Unit = unit,
            Target = target,
            ReferenceTargets = referenceTargets?.ToDictionary() ?? [],
            WarmupRounds = warmupRounds,
            MeasuredRounds = measuredRounds,
            Contenders = results,
        };
        Directory.CreateDirectory(CounterLog.ResultsDirectory);
        File.WriteAllText(Path.Combine(CounterLog.ResultsDirectory, $"disk-{fileStem}.json"), JsonSerializer.Serialize(result));
        return result;
    }

    /// <summary>Runs <paramref name="readSlice"/>(thread, first, count) on <paramref name="threads"/> dedicated threads over [first, first + count) split evenly; rethrows their failures.</summary>
    public static void OnThreads(int threads, int first, int count, Action<int, int, int> readSlice)
    {
        int perThread = count / threads;
        var workers = new Thread[threads];
        var errors = new Exception?[threads];
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    readSlice(thread, first + (thread * perThread), perThread);
                }
                catch (Exception e)
                {
                    errors[thread] = e; // rethrown on the calling thread after the join
                }
            });
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Exception[] failures = errors.OfType<Exception>().ToArray();
        if (failures.Length > 0)
        {
            throw new AggregateException("A worker thread failed.", failures);
        }
    }

    private static int FindReference(IReadOnlyList<DiskContender> contenders, string name, string parameters)
    {
        for (int i = 0; i < contenders.Count; i++)
        {
            if (contenders[i].Name == name && (contenders[i].Parameters == parameters || contenders[i].Parameters.Length == 0))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"No reference named {name} with parameters '{parameters}' or none.");
    }

    private static int FindBaseline(IReadOnlyList<DiskContender> contenders, string name, string parameters)
    {
        for (int i = 0; i < contenders.Count; i++)
        {
            if (contenders[i].Name == name && contenders[i].Parameters == parameters && contenders[i].BaselineName is null)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"No baseline named {name} with parameters '{parameters}'.");
    }
}
