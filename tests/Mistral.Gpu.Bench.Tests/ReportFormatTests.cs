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
}
