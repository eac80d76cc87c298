namespace Mistral.Gpu.Runtime;

/// <summary>The C dialects the generator emits.</summary>
public enum KernelDialect
{
    /// <summary>CUDA C, compiled by NVRTC (or clang) to PTX.</summary>
    Cuda,
    /// <summary>OpenCL C 1.2.</summary>
    OpenCL,
}
