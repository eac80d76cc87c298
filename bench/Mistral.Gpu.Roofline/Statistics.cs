namespace Mistral.Gpu.Roofline;

/// <summary>
/// Robust summaries of repeated timings. Benchmarks report the median and the median absolute
/// deviation because one preempted repetition (another process, a clock change) moves the mean and
/// the standard deviation a lot and the median hardly at all.
/// </summary>
public static class Statistics
{
    /// <summary>The middle value (the mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("No values to summarise.", nameof(values));
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Median absolute deviation from the median (unscaled).</summary>
    public static double MedianAbsoluteDeviation(IReadOnlyCollection<double> values)
    {
        double median = Median(values);
        return Median(values.Select(v => Math.Abs(v - median)).ToArray());
    }

    /// <summary>Median, min, max and MAD of <paramref name="values"/>, keeping the samples.</summary>
    public static Summary Summarize(IReadOnlyCollection<double> values) => new()
    {
        Median = Median(values),
        Min = values.Min(),
        Max = values.Max(),
        Mad = MedianAbsoluteDeviation(values),
        Samples = [.. values],
    };
}
