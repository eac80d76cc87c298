using System.Xml.Linq;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Roofline.Charts;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

/// <summary>
/// Each chart rendered from a run saved to JSON and read back: both files are valid images of the
/// chart size (the PNG decoded by SkiaSharp, the SVG parsed as XML), and what the plot draws is the
/// run's numbers, read back from its plottables rather than compared with a screenshot.
/// </summary>
public sealed class ChartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mgpu-charts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private BenchRun Saved(BenchRun run, string name)
    {
        string path = Path.Combine(_folder, name + ".json");
        BenchRunFile.Save(run, path);
        return BenchRunFile.Load(path);
    }

    private void AssertImages(Plot plot, string name)
    {
        var paths = ChartFiles.Save(plot, Path.Combine(_folder, name));
        Assert.Equal([Path.Combine(_folder, name + ".png"), Path.Combine(_folder, name + ".svg")], paths);
        using (var png = SKBitmap.Decode(paths[0]))
        {
            Assert.NotNull(png);
            Assert.Equal((ChartFiles.Width, ChartFiles.Height), (png.Width, png.Height));
            // Not a blank canvas: a chart has dark text and lines on a light background.
            Assert.Contains(Enumerable.Range(0, png.Height).SelectMany(y => new[] { png.GetPixel(png.Width / 3, y), png.GetPixel(png.Width / 2, y) }), p => p.Red < 100 && p.Green < 100 && p.Blue < 100);
        }
        var svg = XDocument.Load(paths[1]).Root!;
        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Equal((ChartFiles.Width.ToString(), ChartFiles.Height.ToString()), ((string?)svg.Attribute("width"), (string?)svg.Attribute("height")));
    }

    [Fact]
    public void Decode_by_context_plots_each_context_median_and_marks_the_window()
    {
        BenchRun run = Saved(BenchRunJsonTests.SampleRun(decodeTokensPerSecond: 41.5), "decode");
        Plot plot = DecodeByContextChart.Create(run)!;
        AssertImages(plot, "decode");

        var line = Assert.Single(plot.GetPlottables<Scatter>());
        var expected = run.DecodeByContext.Select(t => (t.Context * 1.0, t.TokensPerSecond.Median)).ToList();
        Assert.Equal(expected, line.Data.GetScatterPoints().Select(c => (Math.Round(Math.Pow(2, c.X)), c.Y)));
        Assert.Equal(run.Model.Window, Math.Pow(2, Assert.Single(plot.GetPlottables<VerticalLine>()).X), 6);
        Assert.Equal(["41.50", "37.35"], plot.GetPlottables<Text>().Select(t => t.LabelText));
    }

    [Fact]
    public void Decode_by_context_is_absent_without_a_decode()
    {
        BenchRun run = Saved(BenchRunJsonTests.SampleRun() with { Decode = null, DecodeByContext = [] }, "nodecode");
        Assert.Null(DecodeByContextChart.Create(run));
    }

    [Fact]
    public void Roofline_has_one_dot_per_kernel_with_flops_at_its_intensity_and_rate()
    {
        BenchRun run = Saved(BenchRunJsonTests.SampleRun() with { Peaks = ReportFormatTests.Report().Peaks }, "roofline");
        Plot plot = RooflineChart.Create("test", run.Peaks, run.Profile!.Kernels);
        AssertImages(plot, "roofline");

        var gemv = run.Profile.Kernels[0];
        Assert.True(gemv.Flops > 0);
        var dot = Assert.Single(plot.GetPlottables<Scatter>());
        Coordinates point = Assert.Single(dot.Data.GetScatterPoints());
        Assert.Equal(gemv.ArithmeticIntensity, Math.Pow(10, point.X), 9);
        Assert.Equal(gemv.GigaflopsPerSecond * 1e9, Math.Pow(10, point.Y), 3);
        Assert.StartsWith($"1. {gemv.Kernel} [", dot.LegendText);
        // Both ceilings, meeting at the ridge; Argmax (no FLOPs) is named in the note instead.
        var ceilings = plot.GetPlottables<LinePlot>().ToList();
        Assert.Equal(2, ceilings.Count);
        Assert.Equal(Math.Log10(run.Peaks.RidgeIntensity!.Value), ceilings[0].End.X, 9);
        Assert.Equal(Math.Log10(run.Peaks.FlopsPerSecond!.Value), ceilings[1].Start.Y, 9);
        Assert.Contains("Argmax", Assert.Single(plot.GetPlottables<Annotation>()).Text);
    }

    [Fact]
    public void Roofline_without_a_compute_peak_says_so()
    {
        BenchRun run = Saved(BenchRunJsonTests.SampleRun(), "cpu");
        Assert.Null(run.Peaks.FlopsPerSecond);
        Plot plot = RooflineChart.Create("cpu", run.Peaks, run.Profile!.Kernels);
        AssertImages(plot, "cpu-roofline");
        Assert.Single(plot.GetPlottables<LinePlot>());
        Assert.Contains(plot.GetPlottables<Annotation>(), a => a.Text.Contains("compute ceiling unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_has_a_bar_per_run_and_metric_as_a_ratio_to_the_first_labelled_with_tokens_per_second()
    {
        var runs = new List<(string, BenchRun)>
        {
            ("a100", Saved(BenchRunJsonTests.SampleRun("A100", decodeTokensPerSecond: 40), "a100")),
            ("h100", Saved(BenchRunJsonTests.SampleRun("H100", decodeTokensPerSecond: 74), "h100")),
        };
        Plot plot = CompareChart.Create(runs);
        AssertImages(plot, "compare");

        Assert.Equal(["prefill", "decode", "decode @ 512", "decode @ 16384"], CompareChart.Groups(runs).Select(g => g.Metric));
        var bars = Assert.Single(plot.GetPlottables<BarPlot>()).Bars;
        Assert.Equal(8, bars.Count);
        // Decode group (second): the baseline at 1, the H100 at 74/40.
        Assert.Equal([1.0, 74.0 / 40], bars.Skip(2).Take(2).Select(b => b.Value));
        Assert.Equal(["40.00", "74.00"], bars.Skip(2).Take(2).Select(b => b.Label));
        // Prefill is the same median (110) in both sample runs.
        Assert.Equal(["110", "110"], bars.Take(2).Select(b => b.Label));
        Assert.Equal(["a100: A100 (opencl)", "h100: H100 (opencl)"], plot.Legend.ManualItems.Select(i => i.LabelText));
    }
}
