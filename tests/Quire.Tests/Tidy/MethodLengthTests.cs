// Proves no method of src/Quire grows past MaxLines (STYLE.md: "a method over ~70 lines needs a
// reason"). A method's length is read from the PDB of the built Quire.dll (BuiltAssembly): the
// lines from its first statement to its last, its local functions included, the body of an async
// method or iterator found through its state machine, a constructor's field initializers left
// out. The methods longer today are listed with their length and their reason; a new long method,
// or a listed one that grows, fails.

namespace Quire.Tests.Tidy;

public sealed class MethodLengthTests
{
    private const int MaxLines = 70;

    // The methods longer than MaxLines today: file, method, lines from first to last statement,
    // and why it is one method. Remove an entry when the method is split (the test fails until it
    // is removed); lower the count when it shrinks.
    private static readonly (string File, string Method, int Lines, string Reason)[] s_allowed =
    [
    ];

    [Fact]
    public void NoMethodIsLongerThanSeventyLines()
    {
        var problems = new List<string>();
        foreach (BuiltAssembly.MethodSpan method in BuiltAssembly.Instance.Methods.Where(method => method.LineCount > MaxLines).OrderBy(method => method.File, StringComparer.Ordinal).ThenBy(method => method.FirstLine))
        {
            (string File, string Method, int Lines, string Reason)? allowed = s_allowed
                .Where(entry => entry.File == method.File && entry.Method == method.Method)
                .Select(entry => ((string, string, int, string)?)entry)
                .FirstOrDefault();
            if (allowed is null)
            {
                problems.Add($"{method.File}:{method.FirstLine}: {method.Method} is {method.LineCount} lines (at most {MaxLines}); split it, or list it with its reason");
            }
            else if (method.LineCount > allowed.Value.Lines)
            {
                problems.Add($"{method.File}:{method.FirstLine}: {method.Method} grew from {allowed.Value.Lines} to {method.LineCount} lines");
            }
        }

        problems.AddRange(s_allowed
            .Where(entry => !BuiltAssembly.Instance.Methods.Any(method => method.File == entry.File && method.Method == entry.Method && method.LineCount > MaxLines))
            .Select(entry => $"{entry.File}: {entry.Method} is no longer over {MaxLines} lines, or is gone; delete its entry"));

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
