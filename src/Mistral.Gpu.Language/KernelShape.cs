namespace Mistral.Gpu.Language;

/// <summary>
/// Compile-time shape constants of the kernels' execution model. ILGPU's <c>Warp.WarpSize</c> is read at run time, so
/// shared-memory sizes per warp use this constant instead: warps are 32 consecutive linear lanes on every backend the
/// kernels run on (NVIDIA GPUs, the OpenCL C 1.2 translation's emulation, the CPU backend, ILGPU's CPU accelerator as
/// created here).
/// </summary>
public static class KernelShape
{
    /// <summary>Lanes per warp.</summary>
    public const int WarpSize = 32;
}
