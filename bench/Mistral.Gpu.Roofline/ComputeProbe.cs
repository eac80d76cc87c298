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
        var info = accelerator.Info;
        int groupSize = Math.Min(256, info.MaxGroupSize);
        // Enough groups for every core or SM several times over.
        int groups = Math.Max(8, info.ComputeUnits * 8);
        int lanes = groups * groupSize;
        using var sums = accelerator.Allocate<float>(lanes);
        var dims = new LaunchDims(new Mistral.Gpu.Language.Dim3(groups), new Mistral.Gpu.Language.Dim3(groupSize));
        var stream = accelerator.DefaultStream;
        const float a = 1f - 1f / (1 << 20), b = 1f / (1 << 20);

        double Seconds(int iterations)
        {
            using var start = stream.Record();
            FmaThroughputKernels.FmaThroughputKernel.Launch(accelerator, dims, sums, iterations, a, b, stream);
            using var end = stream.Record();
            return end.MillisecondsSince(start) / 1e3;
        }

        // Grow the work until one launch takes ~50 ms, so launch overhead is a rounding error.
        int iterations = 64;
        Seconds(iterations);
        while (iterations < (1 << 24))
        {
            double t = Seconds(iterations);
            if (t >= 0.05) break;
            iterations = (int)Math.Min(1 << 24, Math.Max(iterations * 2L, (long)(iterations * 0.06 / Math.Max(t, 1e-6))));
        }
        var samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
            samples[r] = (double)lanes * iterations * FmaThroughputKernels.FlopsPerLaneIteration / Seconds(iterations);
        return new ComputeMeasurement(Statistics.Summarize(samples), lanes, iterations);
    }
}
