using System.Runtime.InteropServices;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>A fact that runs only where the CUDA backend can run (driver, device and NVRTC); elsewhere it is skipped with the reason.</summary>
public sealed class RequiresCudaFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(() =>
        Accelerators.Probe().Single(p => p.Backend == BackendKind.Cuda) is { IsAvailable: false } probe
            ? probe.UnavailableReason ?? "no CUDA device"
            : null);

    /// <summary>Skips when CUDA is unavailable.</summary>
    public RequiresCudaFactAttribute()
    {
        if (Unavailable.Value is { } reason) Skip = $"CUDA unavailable: {reason}";
    }
}

/// <summary>A fact about machines without an NVIDIA driver; skipped where libcuda.so.1 loads.</summary>
public sealed class RequiresNoCudaDriverFactAttribute : FactAttribute
{
    /// <summary>Skips when an NVIDIA driver is installed.</summary>
    public RequiresNoCudaDriverFactAttribute()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out var handle))
        {
            NativeLibrary.Free(handle);
            Skip = "An NVIDIA driver is installed here, so the missing-driver message cannot be observed.";
        }
    }
}
