// RecordingLogger: an ILogger that keeps every entry (level, event, formatted message,
// exception), so logging tests can assert what was logged and how often.

using Microsoft.Extensions.Logging;

namespace Quire.Tests.Infrastructure;

public sealed class RecordingLogger(LogLevel minimumLevel = LogLevel.Trace) : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<LogRecord> _records = [];

    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    public IReadOnlyList<LogRecord> Named(string eventName) => [.. Records.Where(r => r.EventId.Name == eventName)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _records.Add(new LogRecord(logLevel, eventId, formatter(state, exception), exception));
        }
    }

    public sealed record LogRecord(LogLevel Level, EventId EventId, string Message, Exception? Exception);
}
