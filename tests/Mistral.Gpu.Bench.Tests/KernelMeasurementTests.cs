using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class KernelMeasurementTests
{
    private static readonly DevicePeaks Peaks = new()
    {
        BandwidthBytesPerSecond = 2e12, BandwidthSource = "datasheet: test",
        FlopsPerSecond = 100e12, FlopsSource = "datasheet: test",
    };

    [Fact]
    public void Rates_and_fractions_come_from_the_median_time()
    {
        var cost = new KernelCost("K", "s", BytesRead: 900_000_000, BytesWritten: 100_000_000, Flops: 2e9);
        var m = KernelMeasurement.From(cost, Statistics.Summarize([1.0, 1.0, 5.0]), Peaks, calls: 32, stepMilliseconds: 64);
        Assert.Equal(1000, m.GigabytesPerSecond, 9);   // 1e9 bytes in 1 ms
        Assert.Equal(2000, m.GigaflopsPerSecond, 9);
        Assert.Equal(0.5, m.FractionOfPeakBandwidth!.Value, 12);
        Assert.Equal(0.02, m.FractionOfPeakFlops!.Value, 12);
        Assert.Equal(32, m.TotalMilliseconds);
        Assert.Equal(0.5, m.ShareOfStep);
        Assert.Equal(2.0, m.ArithmeticIntensity);
    }

    [Fact]
    public void Unknown_peaks_give_no_fraction_rather_than_a_guess()
    {
        var m = KernelMeasurement.From(KernelCosts.SwiGlu(1000), Statistics.Summarize([0.01]), new DevicePeaks());
        Assert.Null(m.FractionOfPeakBandwidth);
        Assert.Null(m.FractionOfPeakFlops);
        Assert.Null(m.ShareOfStep);
        Assert.Null(new DevicePeaks { BandwidthBytesPerSecond = 1 }.RidgeIntensity);
        Assert.Equal(50, Peaks.RidgeIntensity);
    }
}

public class ThroughputBoundTests
{
    [Fact]
    public void Decode_bound_is_bandwidth_over_bytes_per_token()
    {
        var ms = Statistics.Summarize([250.0]);
        var t = new Throughput { Context = 512, Tokens = 1, TokensPerSecond = ms.Map(m => 1000 / m), MillisecondsPerToken = ms, BytesPerToken = 4_000_000_000 };
        Assert.Equal(5.0, t.BoundTokensPerSecond(20e9));
        Assert.Null(t.BoundTokensPerSecond(null));
        Assert.Null((t with { BytesPerToken = 0 }).BoundTokensPerSecond(20e9));
    }
}
