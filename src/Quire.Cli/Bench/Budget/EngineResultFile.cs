// EngineResultFile: one engine's result passed from its budgeted child process to the bench: the
// EngineResult with its histograms and samples, written by the child as JSON to a file the
// parent names, and read back by the parent. Nothing is lost on the way: the histograms go as
// their buckets, times as ticks.
//
// Locking: stateless.

using System.Text.Json;

namespace Quire.Cli.Bench.Budget;

internal static class EngineResultFile
{
    public static void Write(string path, EngineResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using FileStream stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("engine", result.Engine);
        json.WriteNumber("elapsedTicks", result.Elapsed.Ticks);
        json.WriteNumber("operations", result.Operations);
        json.WriteNumber("bytes", result.Bytes);
        WriteHistogram(json, "latency", result.Latency);
        WriteNumber(json, "flushTicks", result.FlushTime?.Ticks);
        WriteNumber(json, "hitRatio", result.HitRatio);
        json.WriteString("hitRatioSource", result.HitRatioSource);
        json.WriteNumber("deviceReadBytes", result.DeviceReadBytes);
        json.WriteNumber("deviceWrittenBytes", result.DeviceWrittenBytes);
        json.WriteString("deviceBytesSource", result.DeviceBytesSource);
        WriteNumber(json, "writeIos", result.WriteIos);
        json.WriteString("writeIosSource", result.WriteIosSource);
        WriteNumber(json, "peakDirtyBytes", result.PeakDirtyBytes);
        json.WriteString("dirtySource", result.DirtySource);
        WriteNumber(json, "throttlePauses", result.ThrottlePauses);
        if (result.FlushLatency is { } flushes)
        {
            WriteHistogram(json, "flushLatency", flushes);
        }

        WriteNumber(json, "throttleShare", result.ThrottleShare);
        WriteNumber(json, "deviceBusy", result.DeviceBusy);
        json.WriteString("deviceBusySource", result.DeviceBusySource);
        WriteNumber(json, "memoryBaselineBytes", result.MemoryBaselineBytes);
        WriteNumber(json, "poolBytes", result.PoolBytes);
        json.WriteNumber("backgroundBytes", result.BackgroundBytes);
        json.WriteString("stoppedBy", result.StoppedBy);
        json.WriteStartArray("samples");
        foreach (BenchSample sample in result.Samples)
        {
            json.WriteStartArray();
            json.WriteNumberValue(sample.ElapsedSeconds);
            json.WriteNumberValue(sample.Operations);
            json.WriteNumberValue(sample.Bytes);
            WriteValue(json, sample.DirtyBytes);
            WriteValue(json, sample.ThrottlePauses);
            WriteValue(json, sample.BackgroundThresholdBytes);
            WriteValue(json, sample.DirtyLimitBytes);
            json.WriteNumberValue(sample.DeviceWrittenBytes);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <exception cref="IOException">The file is missing or is not a result.</exception>
    public static EngineResult Read(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            return new EngineResult
            {
                Engine = root.GetProperty("engine").GetString()!,
                Elapsed = TimeSpan.FromTicks(root.GetProperty("elapsedTicks").GetInt64()),
                Operations = root.GetProperty("operations").GetInt64(),
                Bytes = root.GetProperty("bytes").GetInt64(),
                Latency = ReadHistogram(root.GetProperty("latency")),
                FlushTime = Int64(root, "flushTicks") is { } flush ? TimeSpan.FromTicks(flush) : null,
                HitRatio = Double(root, "hitRatio"),
                HitRatioSource = root.GetProperty("hitRatioSource").GetString()!,
                DeviceReadBytes = root.GetProperty("deviceReadBytes").GetInt64(),
                DeviceWrittenBytes = root.GetProperty("deviceWrittenBytes").GetInt64(),
                DeviceBytesSource = root.GetProperty("deviceBytesSource").GetString()!,
                WriteIos = Int64(root, "writeIos"),
                WriteIosSource = root.GetProperty("writeIosSource").GetString()!,
                PeakDirtyBytes = Int64(root, "peakDirtyBytes"),
                DirtySource = root.GetProperty("dirtySource").GetString()!,
                ThrottlePauses = Int64(root, "throttlePauses"),
                FlushLatency = root.TryGetProperty("flushLatency", out JsonElement flushes) ? ReadHistogram(flushes) : null,
                ThrottleShare = Double(root, "throttleShare"),
                DeviceBusy = Double(root, "deviceBusy"),
                DeviceBusySource = root.GetProperty("deviceBusySource").GetString()!,
                MemoryBaselineBytes = Int64(root, "memoryBaselineBytes"),
                PoolBytes = Int64(root, "poolBytes"),
                BackgroundBytes = root.GetProperty("backgroundBytes").GetInt64(),
                StoppedBy = root.GetProperty("stoppedBy").GetString()!,
                Samples = [.. root.GetProperty("samples").EnumerateArray().Select(ReadSample)],
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new IOException($"'{path}' is not an engine's result: {e.Message}", e);
        }
    }

    private static BenchSample ReadSample(JsonElement sample) => new(
        sample[0].GetDouble(),
        sample[1].GetInt64(),
        sample[2].GetInt64(),
        sample[3].ValueKind == JsonValueKind.Null ? null : sample[3].GetInt64(),
        sample[4].ValueKind == JsonValueKind.Null ? null : sample[4].GetInt64(),
        sample[5].ValueKind == JsonValueKind.Null ? null : sample[5].GetInt64(),
        sample[6].ValueKind == JsonValueKind.Null ? null : sample[6].GetInt64(),
        sample[7].GetInt64());

    private static void WriteHistogram(Utf8JsonWriter json, string name, LatencyHistogram histogram)
    {
        json.WriteStartArray(name);
        foreach (long value in histogram.ToArray())
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static LatencyHistogram ReadHistogram(JsonElement element) =>
        LatencyHistogram.FromArray([.. element.EnumerateArray().Select(value => value.GetInt64())]);

    private static long? Int64(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.GetInt64() : null;

    private static double? Double(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.GetDouble() : null;

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
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

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
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

    private static void WriteValue(Utf8JsonWriter json, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumberValue(v);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
