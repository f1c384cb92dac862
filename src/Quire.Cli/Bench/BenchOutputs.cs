// BenchOutputs: the files `quire bench` writes besides the console: JSON, CSV and the SVG chart,
// each optional.
//
// Locking: immutable.

namespace Quire.Cli.Bench;

internal sealed record BenchOutputs(string? JsonPath, string? CsvPath, string? ChartPath);
