using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>What the bandwidth probe found.</summary>
/// <param name="BytesPerSecond">Achieved read bandwidth of the faster access pattern, one sample per timed launch.</param>
/// <param name="Pattern">The faster pattern: "interleaved" (GPU-style coalescing) or "blocked" (one stream per lane, CPU-style).</param>
/// <param name="BytesPerLaunch">Bytes one launch reads.</param>
/// <param name="Lanes">Lanes per launch.</param>
public sealed record BandwidthMeasurement(Summary BytesPerSecond, string Pattern, long BytesPerLaunch, int Lanes)
{
    /// <summary>The best sample: a peak is what the device can do, and slower samples are interference.</summary>
    public double PeakBytesPerSecond => BytesPerSecond.Max;

    /// <summary>The label a report carries, saying plainly that this ceiling was measured and how.</summary>
    public string Source =>
        $"measured: MemoryRead kernel, {Units.Bytes(BytesPerLaunch)} {Pattern} uint4 reads, best of {BytesPerSecond.Samples.Count} (median {Units.Rate(BytesPerSecond.Median, "B/s")})";
}

/// <summary>
/// Measures a device's read bandwidth with the <c>MemoryRead</c> kernel, timed by the device's own
/// events: for CPUs (the CPU backend, PoCL) and any GPU with no datasheet row. Both access patterns
/// run and the faster one counts, so the probe needs no guess about what kind of device it is on.
/// </summary>
public static class BandwidthProbe
{
    /// <summary>Default bytes per launch on host memory: far beyond any CPU's last-level cache.</summary>
    public const long HostBytes = 512L << 20;

    /// <summary>Default bytes per launch on a GPU: four times the largest on-die cache shipping (MI300X, 256 MiB).</summary>
    public const long DeviceBytes = 1L << 30;

    /// <summary>
    /// Times <paramref name="repetitions"/> launches of each pattern after one untimed launch (which
    /// also compiles the kernel) and returns the faster pattern's samples.
    /// </summary>
    /// <param name="accelerator">The device to probe.</param>
    /// <param name="bytes">Bytes per launch; 0 picks <see cref="HostBytes"/> or <see cref="DeviceBytes"/> (at most a quarter of device memory).</param>
    /// <param name="repetitions">Timed launches per pattern.</param>
    public static BandwidthMeasurement Measure(Accelerator accelerator, long bytes = 0, int repetitions = 5)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repetitions);
        var info = accelerator.Info;
        if (bytes <= 0)
        {
            bytes = info.IsCpu ? HostBytes : DeviceBytes;
            if (info.MemoryBytes > 0) bytes = Math.Min(bytes, info.MemoryBytes / 4);
        }

        int groupSize = Math.Min(256, info.MaxGroupSize);
        int groups = Math.Max(8, info.ComputeUnits * 4);
        int lanes = groups * groupSize;
        long vectorsPerLaneLong = bytes / 16 / lanes;
        if (vectorsPerLaneLong < 1) throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} bytes is less than one 16-byte vector per lane ({lanes} lanes).");
        int vectorsPerLane = checked((int)vectorsPerLaneLong);
        long vectors = (long)vectorsPerLane * lanes;

        using var data = accelerator.Allocate<uint>(vectors * 4);
        using var sums = accelerator.Allocate<uint>(lanes);
        Fill(data);
        var dims = new LaunchDims(new Mistral.Gpu.Language.Dim3(groups), new Mistral.Gpu.Language.Dim3(groupSize));
        var stream = accelerator.DefaultStream;

        Summary Time(int laneStride, int stepStride)
        {
            void Launch() => MemoryReadKernels.MemoryReadKernel.Launch(accelerator, dims, data, sums, vectorsPerLane, laneStride, stepStride, stream);
            Launch();
            stream.Synchronize();
            var samples = new double[repetitions];
            for (int r = 0; r < repetitions; r++)
            {
                using var start = stream.Record();
                Launch();
                using var end = stream.Record();
                samples[r] = vectors * 16 / (end.MillisecondsSince(start) / 1e3);
            }
            return Statistics.Summarize(samples);
        }

        var interleaved = Time(laneStride: 1, stepStride: lanes);
        var blocked = Time(laneStride: vectorsPerLane, stepStride: 1);
        return interleaved.Max >= blocked.Max
            ? new BandwidthMeasurement(interleaved, "interleaved", vectors * 16, lanes)
            : new BandwidthMeasurement(blocked, "blocked", vectors * 16, lanes);
    }

    /// <summary>
    /// Writes every page before timing: freshly allocated zero-filled host memory is mapped lazily to
    /// the kernel's shared zero page, and reading that measures a cache, not DRAM (seen here: 35 GB/s
    /// "measured" on a machine with about 22 GB/s of DRAM).
    /// </summary>
    private static void Fill(DeviceBuffer<uint> data)
    {
        var slice = new uint[Math.Min(data.Length, 1 << 22)];
        for (int i = 0; i < slice.Length; i++) slice[i] = (uint)i * 2654435761u;
        for (long offset = 0; offset < data.Length; offset += slice.Length)
            data.CopyFrom(slice.AsSpan(0, (int)Math.Min(slice.Length, data.Length - offset)), offset);
    }
}
