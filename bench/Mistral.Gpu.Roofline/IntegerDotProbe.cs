using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>One integer-dot measurement and how it was made.</summary>
/// <param name="OpsPerSecond">Samples in operations/s (an int8 multiply-add counted as two).</param>
/// <param name="Lanes">Lanes per launch.</param>
/// <param name="Iterations">Iterations per lane.</param>
public sealed record IntegerDotMeasurement(Summary OpsPerSecond, int Lanes, int Iterations)
{
    /// <summary>The best sample: the ceiling.</summary>
    public double PeakOpsPerSecond => OpsPerSecond.Max;

    /// <summary>How a report names where the ceiling comes from.</summary>
    public string Source =>
        $"measured: IntegerDotThroughput kernel, int8 dot products, {Lanes} lanes x {Iterations} iterations, best of {OpsPerSecond.Samples.Count} (median {Units.Rate(OpsPerSecond.Median, "op/s")})";
}

/// <summary>
/// Measures a device's int8 dot-product throughput with the <c>IntegerDotThroughput</c> kernel, timed by device
/// events: on the CPU backend it runs the instructions of the int4 x int8 GEMM (vpdpbusd, or vpmaddubsw and
/// vpmaddwd), so a CPU prefill's GFLOP/s can be given as a fraction of what those instructions can do.
/// </summary>
public static class IntegerDotProbe
{
    /// <summary>Runs the probe: one untimed launch, then <paramref name="repetitions"/> timed ones of about 50 ms.</summary>
    public static IntegerDotMeasurement Measure(Accelerator accelerator, int repetitions = 5)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repetitions);
        var (dims, lanes) = ThroughputProbe.Shape(accelerator);
        using var sums = accelerator.Allocate<int>(lanes);
        var (samples, iterations) = ThroughputProbe.Run(accelerator, lanes, repetitions, IntegerDotThroughputKernels.OpsPerLaneIteration,
            (iterations, stream) => IntegerDotThroughputKernels.IntegerDotThroughputKernel.Launch(accelerator, dims, sums, iterations, stream));
        return new IntegerDotMeasurement(samples, lanes, iterations);
    }
}
