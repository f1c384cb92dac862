// BenchExport: a bench run as JSON (every figure, its source, the ratios to the baseline engine and the
// sampled series) or CSV (one row per engine, the figures only), for scripts and spreadsheets.
// Numbers are invariant-culture; figures an engine cannot give are JSON null and empty CSV cells.
//
// Locking: stateless.

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Quire.Cli.Bench;

internal static class BenchExport
{
    public static void WriteJson(string path, BenchSettings settings, WorkloadPlan plan, IReadOnlyList<EngineResult> results, bool interrupted)
    {
        using FileStream stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("workload", settings.Workload.Name());
        json.WriteString("description", plan.Description);
        json.WriteString("operation", plan.OperationName);
        json.WriteNumber("poolBytes", settings.PoolBytes);
        json.WriteNumber("fileBytes", plan.DataFileBytes);
        json.WriteNumber("secondFileBytes", plan.SecondFileBytes);
        json.WriteNumber("pageSize", settings.PageSize);
        json.WriteNumber("threads", settings.Threads);
        WriteNullable(json, "durationSeconds", settings.Duration?.TotalSeconds);
        WriteNullable(json, "operationLimit", settings.Operations);
        json.WriteNumber("seed", settings.Seed);
        json.WriteString("coldStart", !plan.ColdStart ? "none" : settings.Rbd is null ? ColdCache.Describe(settings.ColdCache) : Storage.RbdBenchStorage.ColdStartDescription);
        json.WriteBoolean("interrupted", interrupted);
        WriteNullable(json, "dirtyRatio", settings.DirtyRatio);
        WriteNullable(json, "writesInFlight", settings.WritesInFlight);
        if (settings.Rbd is { } rbd)
        {
            json.WriteString("store", rbd.Store);
            json.WriteNumber("rbdMaxWritesInFlight", rbd.MaxWritesInFlight);
        }

        json.WriteString("baseline", settings.BaselineEngine);
        EngineResult? baseline = results.FirstOrDefault(r => r.Engine == settings.BaselineEngine);
        string ratiosName = RatiosPropertyName(settings.BaselineEngine);
        json.WriteStartArray("engines");
        foreach (EngineResult result in results)
        {
            WriteEngine(json, result, baseline, ratiosName);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteCsv(string path, BenchSettings settings, IReadOnlyList<EngineResult> results)
    {
        var text = new StringBuilder();
        IReadOnlyList<string> names = results.Count > 0 ? [.. results[0].Figures().Select(f => f.Name)] : [];
        text.Append("workload,engine,operations,elapsed_s,stopped_by");
        foreach (string name in names)
        {
            text.Append(',').Append(Quote(name));
        }

        text.Append('\n');
        foreach (EngineResult result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"{settings.Workload.Name()},{result.Engine},{result.Operations},{result.Elapsed.TotalSeconds:R},{Quote(result.StoppedBy)}");
            foreach ((_, double? value, _) in result.Figures())
            {
                text.Append(',').Append(value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty);
            }

            text.Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>ratiosToOs, ratiosToLibrbd: the property holding an engine's ratios to the baseline.</summary>
    public static string RatiosPropertyName(string baselineEngine) =>
        "ratiosTo" + char.ToUpperInvariant(baselineEngine[0]) + baselineEngine[1..];

    private static void WriteEngine(Utf8JsonWriter json, EngineResult result, EngineResult? baseline, string ratiosName)
    {
        json.WriteStartObject();
        json.WriteString("engine", result.Engine);
        json.WriteNumber("elapsedSeconds", result.Elapsed.TotalSeconds);
        json.WriteNumber("operations", result.Operations);
        json.WriteNumber("bytes", result.Bytes);
        json.WriteString("stoppedBy", result.StoppedBy);
        json.WriteNumber("operationsPerSecond", result.OperationsPerSecond);
        json.WriteNumber("mibPerSecond", result.MiBPerSecond);
        WriteNullable(json, "flushSeconds", result.FlushTime?.TotalSeconds);
        json.WriteStartObject("latencyMicroseconds");
        json.WriteNumber("count", result.Latency.Count);
        json.WriteNumber("mean", result.Latency.MeanNanoseconds / 1e3);
        json.WriteNumber("p50", result.Latency.PercentileNanoseconds(50) / 1e3);
        json.WriteNumber("p99", result.Latency.PercentileNanoseconds(99) / 1e3);
        json.WriteNumber("p99_9", result.Latency.PercentileNanoseconds(99.9) / 1e3);
        json.WriteNumber("max", result.Latency.MaxNanoseconds / 1e3);
        json.WriteEndObject();
        WriteNullable(json, "hitRatio", result.HitRatio);
        json.WriteString("hitRatioSource", result.HitRatioSource);
        json.WriteNumber("deviceReadBytes", result.DeviceReadBytes);
        json.WriteNumber("deviceWrittenBytes", result.DeviceWrittenBytes);
        json.WriteString("deviceBytesSource", result.DeviceBytesSource);
        WriteNullable(json, "writeIos", result.WriteIos);
        WriteNullable(json, "averageWriteBytes", result.AverageWriteBytes);
        json.WriteString("writeIosSource", result.WriteIosSource);
        WriteNullable(json, "peakDirtyBytes", result.PeakDirtyBytes);
        json.WriteString("dirtySource", result.DirtySource);
        WriteNullable(json, "throttlePauses", result.ThrottlePauses);
        json.WriteNumber("backgroundBytes", result.BackgroundBytes);
        WriteNullable(json, "flushCount", result.FlushLatency?.Count);
        WriteNullable(json, "flushP99Microseconds", result.FlushLatency is { Count: > 0 } flushes ? flushes.PercentileNanoseconds(99) / 1e3 : null);
        WriteNullable(json, "throttleShare", result.ThrottleShare);
        WriteNullable(json, "deviceBusy", result.DeviceBusy);
        json.WriteString("deviceBusySource", result.DeviceBusySource);
        WriteNullable(json, "memoryBaselineBytes", result.MemoryBaselineBytes);
        WriteNullable(json, "memoryPeakBytes", result.MemoryPeakBytes);
        WriteNullable(json, "poolBytes", result.PoolBytes);
        json.WriteStartObject(ratiosName);
        if (baseline is not null)
        {
            IReadOnlyList<(string Name, double? Value, bool? HigherIsBetter)> baseFigures = baseline.Figures();
            IReadOnlyList<(string Name, double? Value, bool? HigherIsBetter)> figures = result.Figures();
            for (int i = 0; i < figures.Count; i++)
            {
                WriteNullable(json, figures[i].Name, BenchReport.Ratio(figures[i].Value, baseFigures[i].Value));
            }
        }

        json.WriteEndObject();
        json.WriteStartArray("samples");
        foreach (BenchSample sample in result.Samples)
        {
            json.WriteStartObject();
            json.WriteNumber("t", sample.ElapsedSeconds);
            json.WriteNumber("operations", sample.Operations);
            json.WriteNumber("bytes", sample.Bytes);
            WriteNullable(json, "dirtyBytes", sample.DirtyBytes);
            WriteNullable(json, "throttlePauses", sample.ThrottlePauses);
            json.WriteNumber("deviceWrittenBytes", sample.DeviceWrittenBytes);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Quote(string value) =>
        value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
}
