using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class CompareTableTests
{
    [Fact]
    public void Later_runs_get_ratios_against_the_first()
    {
        var a = BenchRunJsonTests.SampleRun("GPU A", decodeTokensPerSecond: 40);
        var b = BenchRunJsonTests.SampleRun("GPU B", decodeTokensPerSecond: 100) with { Profile = null };
        var table = CompareTable.Build([("a", a), ("b", b)]);

        Assert.Equal(["metric", "a", "b", "b / a"], table.Headers);
        var decode = table.Rows.Single(r => r.Metric == "decode (tokens/s)");
        Assert.Equal(2.5, decode.Ratios[0]!.Value, 12);
        Assert.StartsWith("40.00", decode.Cells[0]);
        var ctx = table.Rows.Single(r => r.Metric == "decode @ 16384 (tokens/s)");
        Assert.Equal(2.5, ctx.Ratios[0]!.Value, 12);
        // b has no profile: a dash and no ratio, not an exception.
        var kernel = table.Rows.First(r => r.Metric.StartsWith("MatMul", StringComparison.Ordinal));
        Assert.Equal("–", kernel.Cells[1]);
        Assert.Null(kernel.Ratios[0]);
        Assert.Contains("| decode (tokens/s) |", table.ToMarkdown());
        Assert.Contains("2.50x", table.ToMarkdown());
    }

    [Fact]
    public void Every_prefill_length_gets_a_row_and_a_run_without_it_a_dash()
    {
        var a = BenchRunJsonTests.SampleRun("CPU A");
        var b = BenchRunJsonTests.SampleRun("CPU B") with { PrefillByLength = [BenchRunJsonTests.SampleRun().PrefillByLength[1] with { TokensPerSecond = Statistics.Summarize([120.0]) }] };
        var table = CompareTable.Build([("a", a), ("b", b)]);
        var at512 = table.Rows.Single(r => r.Metric == "prefill of 512 (tokens/s)");
        Assert.Equal(1.5, at512.Ratios[0]!.Value, 12);
        var at16 = table.Rows.Single(r => r.Metric == "prefill of 16 (tokens/s)");
        Assert.Equal("–", at16.Cells[1]);
        Assert.Null(at16.Ratios[0]);
    }

    [Fact]
    public void One_run_is_not_a_comparison() =>
        Assert.Throws<ArgumentException>(() => CompareTable.Build([("a", BenchRunJsonTests.SampleRun())]));
}
