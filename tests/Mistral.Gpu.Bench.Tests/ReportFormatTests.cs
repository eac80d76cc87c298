using System.Xml.Linq;
using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class ReportFormatTests
{
    private static KernelReport Report()
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
    public void Roofline_svg_is_well_formed_and_plots_each_kernel_with_flops()
    {
        var report = Report();
        string svg = RooflineSvg.Render("test", report.Peaks, report.Kernels);
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        // One point and one legend dot per kernel with FLOPs (the GEMV); Argmax is listed as text.
        Assert.Equal(2, doc.Descendants(ns + "circle").Count());
        Assert.Contains("Argmax", svg);
        Assert.Equal(2, doc.Descendants(ns + "line").Count(l => (string?)l.Attribute("stroke-width") == "2"));
    }

    [Fact]
    public void Roofline_svg_without_a_compute_peak_says_so()
    {
        var report = Report();
        string svg = RooflineSvg.Render("cpu", report.Peaks with { FlopsPerSecond = null }, report.Kernels);
        XDocument.Parse(svg);
        Assert.Contains("compute ceiling unknown", svg);
    }
}
