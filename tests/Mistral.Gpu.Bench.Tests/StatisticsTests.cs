using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class StatisticsTests
{
    [Fact]
    public void Median_of_odd_and_even_counts()
    {
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.Throws<ArgumentException>(() => Statistics.Median([]));
    }

    [Fact]
    public void Mad_ignores_one_outlier()
    {
        // deviations from the median 10: 0, 1, 1, 90 -> median 1.
        var summary = Statistics.Summarize([10, 9, 11, 100]);
        Assert.Equal(10.5, summary.Median);
        Assert.Equal(9, summary.Min);
        Assert.Equal(100, summary.Max);
        Assert.Equal(1.0, Statistics.MedianAbsoluteDeviation([10, 9, 11, 100, 10]));
        Assert.Equal(4, summary.Samples.Count);
    }

    [Fact]
    public void Map_converts_each_sample_then_summarises()
    {
        // 100 ms per token -> 10 tokens/s; the median of the reciprocals, not the reciprocal of the median mean.
        var ms = Statistics.Summarize([100, 200, 50]);
        var rate = ms.Map(m => 1000 / m);
        Assert.Equal(10, rate.Median);
        Assert.Equal(5, rate.Min);
        Assert.Equal(20, rate.Max);
    }
}
