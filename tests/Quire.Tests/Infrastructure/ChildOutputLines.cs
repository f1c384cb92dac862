// ChildOutputLines: every line a child process writes to its standard output, collected on a
// thread of its own until the pipe closes, so a line the child wrote just before it was killed
// still counts: each one is a promise the kill tests check.

using System.Diagnostics;

namespace Quire.Tests.Infrastructure;

internal sealed class ChildOutputLines : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly ManualResetEventSlim _first = new();
    private readonly Thread _reader;

    public ChildOutputLines(Process child)
    {
        _reader = new Thread(() =>
        {
            while (child.StandardOutput.ReadLine() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }

                _first.Set();
            }

            _first.Set();
        })
        { IsBackground = true };
        _reader.Start();
    }

    /// <summary>Waits for the first line, or for the output to close without one; false at the timeout.</summary>
    public bool WaitForFirst(TimeSpan timeout) => _first.Wait(timeout);

    /// <summary>Waits for the child's output to close; false at the timeout.</summary>
    public bool WaitForEnd(TimeSpan timeout) => _reader.Join(timeout);

    /// <summary>The lines so far.</summary>
    public string[] Snapshot()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public void Dispose() => _first.Dispose();
}
