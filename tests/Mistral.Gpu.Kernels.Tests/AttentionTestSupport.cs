using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// One accelerator per backend for a test class (xunit runs a class's tests one at a time, and an
/// accelerator is driven by one thread at a time). OpenCL is created on first use only.
/// </summary>
public sealed class AttentionBackends : IDisposable
{
    private readonly Dictionary<BackendKind, Accelerator> created = [];

    private Accelerator? lanes;

    /// <summary>The CPU backend stepping every kernel's lanes (no vectorised group bodies).</summary>
    public Accelerator Lanes => lanes ??= new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(useGroupBodies: false);

    /// <summary>"cpu" (group bodies), "cpu-lanes", "ilgpu-cpu" or "opencl".</summary>
    public Accelerator Get(string run) => run switch
    {
        "cpu" => Get(BackendKind.Cpu),
        "cpu-lanes" => Lanes,
        "opencl" => Get(BackendKind.OpenCL),
        "ilgpu-cpu" => Get(BackendKind.IlgpuCpu),
        _ => throw new ArgumentException($"Unknown run '{run}'.", nameof(run)),
    };

    public Accelerator Get(BackendKind kind)
    {
        if (!created.TryGetValue(kind, out var accelerator))
        {
            accelerator = Accelerators.Create(kind);
            created[kind] = accelerator;
        }
        return accelerator;
    }

    public void Dispose()
    {
        foreach (var accelerator in created.Values) accelerator.Dispose();
        lanes?.Dispose();
    }
}
