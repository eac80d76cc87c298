using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>One FLOP/s measurement and how it was made.</summary>
/// <param name="FlopsPerSecond">Samples in FLOP/s.</param>
/// <param name="Lanes">Lanes per launch.</param>
/// <param name="Iterations">FMA iterations per lane.</param>
public sealed record ComputeMeasurement(Summary FlopsPerSecond, int Lanes, int Iterations)
{
    /// <summary>The best sample: the ceiling.</summary>
    public double PeakFlopsPerSecond => FlopsPerSecond.Max;

    /// <summary>How a report names where the ceiling comes from.</summary>
    public string Source =>
        $"measured: FmaThroughput kernel, fp32 fused multiply-adds, {Lanes} lanes x {Iterations} iterations, best of {FlopsPerSecond.Samples.Count} (median {Units.Rate(FlopsPerSecond.Median, "FLOP/s")})";
}

/// <summary>
/// Measures a device's fp32 FMA throughput with the <c>FmaThroughput</c> kernel, timed by device events:
/// the compute ceiling of a roofline where no datasheet gives one (CPUs, unlisted GPUs). It is an fp32
/// vector-unit figure, not a tensor-core one, and is labelled as such.
/// </summary>
public static class ComputeProbe
{
    /// <summary>Runs the probe: one untimed launch (compiling the kernel), then <paramref name="repetitions"/> timed ones of about 50 ms.</summary>
    public static ComputeMeasurement Measure(Accelerator accelerator, int repetitions = 5)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repetitions);
        var (dims, lanes) = ThroughputProbe.Shape(accelerator);
        using var sums = accelerator.Allocate<float>(lanes);
        const float a = 1f - 1f / (1 << 20), b = 1f / (1 << 20);
        var (samples, iterations) = ThroughputProbe.Run(accelerator, lanes, repetitions, FmaThroughputKernels.FlopsPerLaneIteration,
            (iterations, stream) => FmaThroughputKernels.FmaThroughputKernel.Launch(accelerator, dims, sums, iterations, a, b, stream));
        return new ComputeMeasurement(samples, lanes, iterations);
    }
}
