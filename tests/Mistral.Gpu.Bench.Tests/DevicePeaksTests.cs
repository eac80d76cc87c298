using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

public class DevicePeaksTests
{
    [Theory]
    [InlineData("NVIDIA A10", 600e9)]
    [InlineData("NVIDIA A100 80GB PCIe", 1.935e12)]
    [InlineData("NVIDIA A100-SXM4-80GB", 2.039e12)]
    [InlineData("NVIDIA RTX A6000", 768e9)]
    [InlineData("NVIDIA GeForce RTX 4080", 716.8e9)]
    [InlineData("AMD Instinct MI300X", 5.3e12)]
    [InlineData("AMD Instinct MI250X", 3.2768e12)]
    [InlineData("NVIDIA H100 NVL", 3.9e12)]
    public void Datasheet_rows_match_driver_names(string name, double bandwidth)
    {
        var entry = KnownDevices.Find(name);
        Assert.NotNull(entry);
        Assert.Equal(bandwidth, entry.BandwidthBytesPerSecond, 1e-6 * bandwidth);
    }

    [Fact]
    public void The_cpu_backend_is_measured_and_says_so()
    {
        using var cpu = new CpuAccelerator(maxThreads: 1);
        var peaks = DevicePeaksLookup.For(cpu, probeBytes: 4L << 20);
        Assert.True(peaks.BandwidthIsMeasured);
        Assert.StartsWith("measured: MemoryRead kernel", peaks.BandwidthSource);
        Assert.True(peaks.BandwidthBytesPerSecond > 0);
        Assert.Equal(5, peaks.MeasuredBandwidth!.Samples.Count);
        // No datasheet FLOP/s for a CPU: the FMA probe measures one, labelled as fp32 FMA throughput.
        Assert.StartsWith("measured: FmaThroughput kernel, fp32", peaks.FlopsSource);
        Assert.True(peaks.FlopsPerSecond > 1e8);
        Assert.NotNull(peaks.RidgeIntensity);
        // And the int8 dot products a CPU prefill runs on.
        Assert.StartsWith("measured: IntegerDotThroughput kernel, int8", peaks.IntegerDotSource);
        Assert.True(peaks.IntegerDotOpsPerSecond > 1e8);
    }

    [Fact]
    public void Compute_can_be_left_unmeasured()
    {
        using var cpu = new CpuAccelerator(maxThreads: 1);
        var peaks = DevicePeaksLookup.For(cpu, probeBytes: 4L << 20, measureCompute: false);
        Assert.Null(peaks.FlopsPerSecond);
        Assert.Equal("", peaks.FlopsSource);
        Assert.Null(peaks.IntegerDotOpsPerSecond);
    }

    [Fact]
    public void The_probe_reads_every_byte_it_claims()
    {
        using var cpu = new CpuAccelerator(maxThreads: 1);
        var result = BandwidthProbe.Measure(cpu, bytes: 1L << 20, repetitions: 2);
        // 8 groups x 256 lanes on one "compute unit"; 1 MiB / 16 / 2048 lanes = 32 vectors per lane.
        Assert.Equal(2048, result.Lanes);
        Assert.Equal(1L << 20, result.BytesPerLaunch);
        Assert.Contains(result.Pattern, new[] { "interleaved", "blocked" });
    }
}
