using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>Whether a device has <c>dp4a</c> (<c>KMath.Dp4a</c> / <c>KMath.Dot4</c> as one instruction): NVIDIA from compute capability 6.1.</summary>
internal static class ByteDot
{
    /// <summary>The first compute capability with <c>dp4a</c> (Pascal's GP102/GP104; sm_60 lacks it).</summary>
    public static readonly Version MinCapability = new(6, 1);

    /// <summary>True on NVIDIA devices of compute capability 6.1 or later, through NVRTC or ILGPU's PTX.</summary>
    public static bool Available(Accelerator accelerator) => Available(accelerator.Info);

    /// <summary>True for an NVIDIA device (either CUDA backend) of compute capability 6.1 or later.</summary>
    public static bool Available(AcceleratorInfo info) =>
        info.Backend is BackendKind.Cuda or BackendKind.IlgpuCuda
        && Version.TryParse(info.ComputeCapability, out var capability) && capability >= MinCapability;
}
