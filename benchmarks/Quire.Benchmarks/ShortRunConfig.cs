// ShortRunConfig: the job of the hit-path benchmarks (operations of about a microsecond): in
// process, one launch, 3 warm-up and 5 measured iterations of 250 ms, plus the brief JSON export
// the report reads.
//
// In process because the default toolchain generates and builds a project of its own in the
// benchmarks project's output folders, ignoring the build's --artifacts-path, and spends most of
// a short run building it; the in-process emit toolchain runs the benchmarks in the process
// that was built, with the same JIT and GC settings.

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Quire.Benchmarks;

public sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("ShortInProcess"));
        AddExporter(JsonExporter.Brief);
    }
}
