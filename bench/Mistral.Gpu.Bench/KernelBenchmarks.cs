using BenchmarkDotNet.Attributes;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench;

/// <summary>The kernels at Mistral 7B shapes, one benchmark per (backend, case); the columns turn times into GB/s and % of peak.</summary>
public class KernelBenchmarks
{
    private Accelerator? accelerator;
    private KernelCase? kernelCase;

    /// <summary>The backend: cpu, or opencl where a device exists.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "opencl";

    /// <summary>The kernel and shape.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    public static IEnumerable<string> Backends => BenchConfig.AvailableBackends();

    public static IEnumerable<string> Cases => KernelCase.Names;

    [GlobalSetup]
    public void Setup()
    {
        accelerator = Accelerators.Create(Accelerators.ParseBackend(Backend));
        kernelCase = KernelCase.Create(Case, accelerator);
        kernelCase.Run();
    }

    [Benchmark(Description = "call")]
    public void Call() => kernelCase!.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        kernelCase?.Dispose();
        accelerator?.Dispose();
    }
}

/// <summary>
/// The machine's read bandwidth as the kernels see it: the MemoryRead kernel streaming 256 MiB (far beyond the
/// caches) with the access pattern that suits the device (interleaved lanes on a GPU, one block per lane on a CPU).
/// Its GB/s is the "peak" the other rows are a fraction of.
/// </summary>
public class PeakBandwidth
{
    public const long Bytes = 256L << 20;
    private Accelerator? accelerator;
    private DeviceBuffer<uint>? data;
    private DeviceBuffer<uint>? sums;
    private int lanes;
    private int vectorsPerLane;
    private bool blocked;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "opencl";

    public static IEnumerable<string> Backends => BenchConfig.AvailableBackends();

    [GlobalSetup]
    public void Setup()
    {
        accelerator = Accelerators.Create(Accelerators.ParseBackend(Backend));
        blocked = accelerator.Info.Backend == BackendKind.Cpu || accelerator.Info.Platform.Contains("Portable Computing Language", StringComparison.Ordinal);
        lanes = 64 * Math.Max(2, accelerator.Info.ComputeUnits) * 4;
        vectorsPerLane = (int)(Bytes / 16 / lanes);
        data = accelerator.Allocate<uint>((long)vectorsPerLane * lanes * 4);
        sums = accelerator.Allocate<uint>(lanes);
        Read();
    }

    [Benchmark(Description = "MemoryRead 256 MiB")]
    public void Read()
    {
        var dims = new LaunchDims(new Language.Dim3(lanes / 64), new Language.Dim3(64));
        if (blocked) MemoryReadKernels.MemoryReadKernel.Launch(accelerator!, dims, data!, sums!, vectorsPerLane, vectorsPerLane, 1);
        else MemoryReadKernels.MemoryReadKernel.Launch(accelerator!, dims, data!, sums!, vectorsPerLane, 1, lanes);
        accelerator!.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => accelerator?.Dispose();
}
