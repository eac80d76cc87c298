using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>Whether a device runs <c>Mma.M16N8K16</c> on tensor cores (<c>mma.sync</c> m16n8k16 needs sm_80 or later).</summary>
internal static class TensorCores
{
    /// <summary>The first compute capability with m16n8k16 fp16 <c>mma.sync</c>.</summary>
    public const int MinMajor = 8;

    /// <summary>True on NVIDIA devices of compute capability 8.0 or later, through NVRTC or ILGPU's PTX.</summary>
    public static bool Available(Accelerator accelerator) =>
        accelerator.Info.Backend is BackendKind.Cuda or BackendKind.IlgpuCuda && Major(accelerator.Info.ComputeCapability) >= MinMajor;

    private static int Major(string computeCapability)
    {
        int dot = computeCapability.IndexOf('.');
        return int.TryParse(dot < 0 ? computeCapability : computeCapability[..dot], out int major) ? major : 0;
    }
}
