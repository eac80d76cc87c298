namespace Mistral.Gpu.Runtime;

/// <summary>The kinds of accelerator backend.</summary>
public enum BackendKind
{
    /// <summary>NVIDIA GPUs through the CUDA driver API and NVRTC.</summary>
    Cuda,
    /// <summary>Any OpenCL 1.2+ device through libOpenCL (NVIDIA, AMD, Intel, PoCL on CPUs).</summary>
    OpenCL,
    /// <summary>The C# kernels themselves, run on the host's cores with full group semantics.</summary>
    Cpu,
}
