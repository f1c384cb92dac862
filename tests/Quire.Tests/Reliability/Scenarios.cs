// Scenarios: short scripted workloads of at most a handful of calls (CrashMonkey's bound), each
// starting from a file of three durable pages, used by the Nth-operation sweeps and the power-cut
// tests. Writes either cover whole sectors or stay inside one page, so a write that fails has
// changed nothing and the model stays exact.

namespace Quire.Tests.Reliability;

internal static class Scenarios
{
    private const int Page = ScenarioHarness.PageSize;

    public static byte[] InitialContent { get; } = ScenarioHarness.Pattern(3 * Page, 99);

    public static IReadOnlyList<(string Name, Action<ScenarioHarness> Run)> All { get; } =
    [
        ("write-flush", h =>
        {
            h.Write(0, 0, 2 * Page, 1);
            h.Flush(0);
        }),
        ("partial-page-write-flush", h =>
        {
            h.Write(0, Page + 100, 300, 2); // inside a stored page: read-modify-write of one sector
            h.Flush(0);
        }),
        ("write-truncate-flush", h =>
        {
            h.Write(0, Page, 2 * Page, 3);
            h.SetLength(0, Page + 700);
            h.Flush(0);
        }),
        ("write-write-other-handle-flush-both", h =>
        {
            h.Write(0, 0, Page, 4);
            h.Write(1, 2 * Page, Page, 5);
            h.Flush(0);
            h.Flush(1);
        }),
        ("extend-flush", h =>
        {
            h.Write(0, 5 * Page, 1536, 6); // past end of file: a hole, then a new last page
            h.Flush(0);
        }),
        ("write-evict-read-flush", h =>
        {
            h.Write(0, 0, Page, 7);
            h.DontNeed(0, 0, 3 * Page);
            h.Read(1, 0, 3 * Page);
            h.Flush(1);
        }),
        ("write-background-writer-flush", h =>
        {
            h.Write(0, 0, 3 * Page, 8);
            h.RunPageWriter();
            h.Flush(0);
        }),
        ("write-start-writeback-evict-flush", h =>
        {
            h.Write(0, Page, Page, 9);
            h.StartWriteback(0);
            h.DontNeed(0, 0, 3 * Page);
            h.Flush(0);
        }),
        ("shrink-extend-read-flush", h =>
        {
            h.SetLength(0, 1000);
            h.SetLength(0, 2 * Page + 10);
            h.Read(1, 0, 3 * Page);
            h.Flush(1);
        }),
        ("write-shrink-extend-read-flush", h =>
        {
            h.Write(0, 0, 2 * Page, 9);
            h.SetLength(1, Page + 300); // the new last page is cached: its bytes past the end must go
            h.SetLength(0, 2 * Page);
            h.Read(1, Page, Page);
            h.Flush(0);
        }),
        ("write-more-than-the-pool-flush", h =>
        {
            // 20 pages through a pool of 16 frames: reclaim launders. Each write is applied whole
            // or not at all (a write larger than the pool may stop part way, by contract).
            for (int i = 0; i < 5; i++)
            {
                h.Write(0, i * 4L * Page, 4 * Page, 10 + i);
            }

            h.Flush(0);
        }),
        ("read-write-flush-all-flush", h =>
        {
            h.Read(0, 0, 2 * Page);
            h.Write(1, 512, 1024, 11);
            h.FlushAll();
            h.Flush(1);
        }),
        ("write-flush-write-flush", h =>
        {
            h.Write(0, 0, Page, 12);
            h.Flush(0);
            h.Write(1, 0, 2 * Page, 13);
            h.Flush(1);
        }),
        ("write-lease-flush", h =>
        {
            h.PinForWrite(0, Page + 512, 1024, 14);
            h.Flush(0);
        }),
        ("pin-truncate-flush", h =>
        {
            h.Write(0, 2 * Page, Page, 15);
            h.SetLengthWhilePinned(0, 2 * Page + 100, 1000, 1, Page + 700); // the pinned page is dropped, not freed, and its view stays
            h.Flush(1);
        }),
    ];
}
