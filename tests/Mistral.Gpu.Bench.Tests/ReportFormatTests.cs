using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class ReportFormatTests
{
    internal static KernelReport Report()
    {
        var run = BenchRunJsonTests.SampleRun();
        return new KernelReport { Device = run.Device, Peaks = run.Peaks with { FlopsPerSecond = 50e12, FlopsSource = "datasheet: test" }, Kernels = run.Profile!.Kernels };
    }

    [Fact]
    public void Csv_has_a_header_and_a_row_per_kernel()
    {
        var lines = KernelReportFormats.ToCsv(Report()).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("device,backend,kernel,shape", lines[0]);
        Assert.Equal(lines[0].Split(',').Length, lines[1].Split(',').Length);
        Assert.Contains("measured: MemoryRead", lines[1]);
    }

    [Fact]
    public void Markdown_names_the_peak_source()
    {
        var md = KernelReportFormats.ToMarkdown(Report());
        Assert.Contains("measured: MemoryRead", md);
        Assert.Contains("| MatMul (GEMV) |", md);
    }

    [Fact]
    public void Prefill_rate_is_a_fraction_of_the_integer_dot_peak_else_of_the_flops_peak()
    {
        var peaks = new DevicePeaks { FlopsPerSecond = 4e11, IntegerDotOpsPerSecond = 1e12, IntegerDotSource = "measured: dots" };
        Assert.Equal("250 GFLOP/s, 25 % of the integer-dot peak 1.00 Top/s (measured: dots)", KernelReportFormats.PrefillRate(2.5e11, peaks));
        Assert.Equal("250 GFLOP/s, 62 % of the FLOP/s peak 400 GFLOP/s", KernelReportFormats.PrefillRate(2.5e11, peaks with { IntegerDotOpsPerSecond = null }));
        Assert.Equal("250 GFLOP/s", KernelReportFormats.PrefillRate(2.5e11, new DevicePeaks()));
    }
}
