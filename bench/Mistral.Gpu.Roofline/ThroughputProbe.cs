using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// The timing loop shared by the compute probes (<see cref="ComputeProbe"/>, <see cref="IntegerDotProbe"/>): enough
/// groups for every core or SM several times over, iterations grown until one launch takes ~50 ms (so launch overhead
/// is a rounding error), then timed launches between device events.
/// </summary>
internal static class ThroughputProbe
{
    /// <summary>The probes' launch shape on <paramref name="accelerator"/> and its lane count.</summary>
    public static (LaunchDims Dims, int Lanes) Shape(Accelerator accelerator)
    {
        var info = accelerator.Info;
        int groupSize = Math.Min(256, info.MaxGroupSize);
        int groups = Math.Max(8, info.ComputeUnits * 8);
        return (new LaunchDims(new Mistral.Gpu.Language.Dim3(groups), new Mistral.Gpu.Language.Dim3(groupSize)), groups * groupSize);
    }

    /// <summary>
    /// One untimed launch (compiling the kernel), the growth to ~50 ms, then <paramref name="repetitions"/> timed launches
    /// of <paramref name="launch"/> (given the iteration count and the stream); each sample is lanes x iterations x
    /// <paramref name="opsPerLaneIteration"/> per second.
    /// </summary>
    public static (Summary PerSecond, int Iterations) Run(Accelerator accelerator, int lanes, int repetitions, double opsPerLaneIteration, Action<int, AcceleratorStream> launch)
    {
        var stream = accelerator.DefaultStream;

        double Seconds(int iterations)
        {
            using var start = stream.Record();
            launch(iterations, stream);
            using var end = stream.Record();
            return end.MillisecondsSince(start) / 1e3;
        }

        int iterations = 64;
        Seconds(iterations);
        while (iterations < (1 << 24))
        {
            double t = Seconds(iterations);
            if (t >= 0.05) break;
            iterations = (int)Math.Min(1 << 24, Math.Max(iterations * 2L, (long)(iterations * 0.06 / Math.Max(t, 1e-6))));
        }
        var samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++) samples[r] = lanes * (double)iterations * opsPerLaneIteration / Seconds(iterations);
        return (Statistics.Summarize(samples), iterations);
    }
}
