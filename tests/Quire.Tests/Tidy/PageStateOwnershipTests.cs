// Proves that a page's data state has one owner (Files/PageTransitions): no other source file of
// src/Quire sets or clears the Dirty, Writeback, Unsynced or WriteFailed bits, or assigns the
// dirty-sector bitmap, so every view of a page (bits, bitmaps, index tags, gauges) changes in one
// step. PageState.cs defines the primitives and FrameMetadata.cs the fields; both are exempt.

using System.Text.RegularExpressions;

namespace Quire.Tests.Tidy;

public sealed partial class PageStateOwnershipTests
{
    private static readonly string[] s_owners = [Path.Combine("Files", "PageTransitions.cs"), Path.Combine("Frames", "PageState.cs"), Path.Combine("Frames", "FrameMetadata.cs")];

    [Fact]
    public void OnlyPageTransitionsChangesAPagesDataState()
    {
        var violations = new List<string>();
        foreach (string path in LayeringTests.SourceFiles())
        {
            string relative = Path.GetRelativePath(LayeringTests.SourceRoot, path);
            if (s_owners.Contains(relative))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                if (DataStateBitChange().IsMatch(lines[i]) || DirtySectorsAssignment().IsMatch(lines[i]))
                {
                    violations.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.Empty(violations);
    }

    [Theory]
    [InlineData("PageState.SetBits(ref metadata.State, PageState.Dirty);", true)]
    [InlineData("int before = PageState.ClearBits(ref state, PageState.Writeback);", true)]
    [InlineData("PageState.SetBits(ref m.State, PageState.Fresh | PageState.WriteFailed);", true)]
    [InlineData("metadata.DirtySectors |= touched;", true)]
    [InlineData("metadata.DirtySectors = UInt128.Zero;", true)]
    [InlineData("PageState.ClearBits(ref metadata.State, PageState.ReadAheadMark);", false)]
    [InlineData("UInt128 dirty = metadata.DirtySectors;", false)]
    [InlineData("if (metadata.DirtySectors == UInt128.Zero)", false)]
    public void TheCheckSeesAChangeAndOnlyAChange(string line, bool isChange)
    {
        Assert.Equal(isChange, DataStateBitChange().IsMatch(line) || DirtySectorsAssignment().IsMatch(line));
    }

    [GeneratedRegex(@"PageState\.(SetBits|ClearBits)\([^;]*PageState\.(Dirty|Writeback|Unsynced|WriteFailed)\b")]
    private static partial Regex DataStateBitChange();

    [GeneratedRegex(@"\.DirtySectors\s*(=[^=]|\|=|&=|\^=)")]
    private static partial Regex DirtySectorsAssignment();
}
