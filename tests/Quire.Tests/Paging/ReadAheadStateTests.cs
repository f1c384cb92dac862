// Proves the read-ahead window starts small, doubles while reads stay sequential, is capped at
// the maximum, collapses on a jump and restarts, and follows Random and Sequential advice:
// each test records read ends and asks for the next window, as the read path does.

using Quire.Paging;

namespace Quire.Tests.Paging;

public sealed class ReadAheadStateTests
{
    [Fact]
    public void WindowStartsAtFourPagesForAReadFromTheStart()
    {
        var state = new ReadAheadState();

        Assert.Equal(4, state.NextWindow(0, maxPages: 256));
    }

    [Fact]
    public void WindowDoublesWhileReadsStaySequentialUpToTheMaximum()
    {
        var state = new ReadAheadState();
        var windows = new List<int>();
        long offset = 0;
        for (int i = 0; i < 7; i++)
        {
            windows.Add(state.NextWindow(offset, maxPages: 32));
            offset += 4096;
            state.Record(offset);
        }

        Assert.Equal([4, 8, 16, 32, 32, 32, 32], windows);
    }

    [Fact]
    public void WindowCollapsesOnAJumpAndRestartsSmall()
    {
        var state = new ReadAheadState();
        state.NextWindow(0, 64);
        state.Record(4096);
        state.NextWindow(4096, 64);
        state.Record(8192);

        Assert.Equal(0, state.NextWindow(1 << 20, 64));
        state.Record((1 << 20) + 4096);
        Assert.Equal(4, state.NextWindow((1 << 20) + 4096, 64));
    }

    [Fact]
    public void FirstReadAwayFromTheStartGetsNoWindow()
    {
        var state = new ReadAheadState();

        Assert.Equal(0, state.NextWindow(12_288, 64));
    }

    [Fact]
    public void WindowNeverExceedsASmallMaximum()
    {
        var state = new ReadAheadState();

        Assert.Equal(2, state.NextWindow(0, maxPages: 2));
        state.Record(4096);
        Assert.Equal(2, state.NextWindow(4096, maxPages: 2));
    }

    [Fact]
    public void NoWindowWhenReadAheadIsOff()
    {
        var state = new ReadAheadState();

        Assert.Equal(0, state.NextWindow(0, maxPages: 0));
    }

    [Fact]
    public void RandomAdviceTurnsReadAheadOff()
    {
        var state = new ReadAheadState { Advice = FileAdvice.Random };

        Assert.Equal(0, state.NextWindow(0, 64));
        state.Record(4096);
        Assert.Equal(0, state.NextWindow(4096, 64));
    }

    [Fact]
    public void SequentialAdviceReadsAheadTheLargestWindowFromAnyOffset()
    {
        var state = new ReadAheadState { Advice = FileAdvice.Sequential };

        Assert.Equal(64, state.NextWindow(1 << 30, 64));
        Assert.Equal(64, state.NextWindow(7, 64));
    }

    [Fact]
    public void NormalAdviceRestoresTheAdaptiveWindow()
    {
        var state = new ReadAheadState { Advice = FileAdvice.Random };
        state.Advice = FileAdvice.Normal;

        Assert.Equal(4, state.NextWindow(0, 64));
    }
}
