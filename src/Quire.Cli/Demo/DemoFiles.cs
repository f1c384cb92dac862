// DemoFiles: what the demo created on disk, so that it deletes exactly that afterwards: its own
// temporary directory, or, in a directory the user named, only the files it created there (a
// file that already existed is never deleted; the demo refuses to overwrite it).
// Single-threaded.

using Spectre.Console;

namespace Quire.Cli.Demo;

internal sealed class DemoFiles(string directory, bool ownsDirectory)
{
    public const string CachedFileName = "quire-demo-cached.dat";

    public const string PlainFileName = "quire-demo-plain.dat";

    public string CachedPath { get; } = Path.Combine(directory, CachedFileName);

    public string PlainPath { get; } = Path.Combine(directory, PlainFileName);

    /// <summary>Set once the demo has created the file written through Quire.</summary>
    public bool CreatedCached { get; set; }

    /// <summary>Set once the demo has created the file written plainly.</summary>
    public bool CreatedPlain { get; set; }

    /// <summary>
    /// Deletes what the demo created. A failure to delete is reported on <paramref name="console"/>
    /// with the path, not thrown: it must not hide the error that ended the demo, if any.
    /// </summary>
    public void Delete(IAnsiConsole console)
    {
        try
        {
            if (ownsDirectory)
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }

            if (CreatedCached)
            {
                File.Delete(CachedPath);
            }

            if (CreatedPlain)
            {
                File.Delete(PlainPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.WriteLine($"Could not delete the demo's files in '{directory}': {e.Message}");
        }
    }
}
