namespace Mistral.Gpu.Roofline;

/// <summary>Repeated measurements of one quantity and their robust summary (see <see cref="Statistics"/>).</summary>
public sealed record Summary
{
    /// <summary>The median.</summary>
    public double Median { get; init; }

    /// <summary>The smallest sample.</summary>
    public double Min { get; init; }

    /// <summary>The largest sample.</summary>
    public double Max { get; init; }

    /// <summary>Median absolute deviation from the median.</summary>
    public double Mad { get; init; }

    /// <summary>Every sample, in the order taken.</summary>
    public IReadOnlyList<double> Samples { get; init; } = [];

    /// <summary>The MAD as a fraction of the median: the spread a reader compares between runs.</summary>
    public double RelativeSpread => Median == 0 ? 0 : Mad / Median;

    /// <summary>Each sample mapped (milliseconds to tokens/s, say), summarised again.</summary>
    public Summary Map(Func<double, double> convert) => Statistics.Summarize(Samples.Select(convert).ToArray());

    /// <inheritdoc />
    public override string ToString() => $"{Median:G4} (min {Min:G4}, max {Max:G4}, ±{RelativeSpread:P1} MAD, n={Samples.Count})";

    /// <inheritdoc />
    public bool Equals(Summary? other) => other is not null && Median == other.Median && Min == other.Min
        && Max == other.Max && Mad == other.Mad && Samples.SequenceEqual(other.Samples);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Median, Min, Max, Mad, Samples.Count);
}
