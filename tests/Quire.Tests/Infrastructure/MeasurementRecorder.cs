// MeasurementRecorder: a MeterListener that listens to one Meter only (so parallel tests with
// their own caches do not mix) and keeps every measurement by instrument name, polling the
// observable instruments on demand.

using System.Diagnostics.Metrics;

namespace Quire.Tests.Infrastructure;

public sealed class MeasurementRecorder : IDisposable
{
    private readonly Lock _lock = new();
    private readonly MeterListener _listener = new();
    private readonly List<Recorded> _measurements = [];
    private readonly List<Instrument> _instruments = [];

    public MeasurementRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter)
            {
                lock (_lock)
                {
                    _instruments.Add(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Instrument> Instruments
    {
        get
        {
            lock (_lock)
            {
                return [.. _instruments];
            }
        }
    }

    /// <summary>Polls the observable instruments; their values are recorded like any measurement.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    /// <summary>Every measurement of <paramref name="name"/> so far.</summary>
    public IReadOnlyList<Recorded> Of(string name)
    {
        lock (_lock)
        {
            return [.. _measurements.Where(m => m.Name == name)];
        }
    }

    /// <summary>Polls, then returns the latest value of an observable instrument with the given tag (or untagged).</summary>
    public double Latest(string name, string? tagKey = null, string? tagValue = null)
    {
        Clear();
        Collect();
        Recorded[] matches = [.. Of(name).Where(m => tagKey is null || (m.Tags.TryGetValue(tagKey, out object? v) && Equals(v, tagValue)))];
        Assert.True(matches.Length > 0, $"No measurement of '{name}' {tagKey}={tagValue} was reported.");
        return matches[^1].Value;
    }

    public void Clear()
    {
        lock (_lock)
        {
            _measurements.Clear();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var tagMap = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            tagMap[tag.Key] = tag.Value;
        }

        lock (_lock)
        {
            _measurements.Add(new Recorded(instrument.Name, value, tagMap));
        }
    }

    public sealed record Recorded(string Name, double Value, IReadOnlyDictionary<string, object?> Tags);
}
