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
    /// <summary>NVIDIA GPUs through ILGPU's CudaAccelerator: ILGPU compiles the kernels' C# to PTX, the driver JIT-compiles it (no NVRTC needed).</summary>
    IlgpuCuda,
    /// <summary>OpenCL 2.0+ devices with the generic address space through ILGPU's CLAccelerator (ILGPU writes the OpenCL C).</summary>
    IlgpuOpenCL,
    /// <summary>ILGPU's CPU accelerator: one thread per lane running the kernel's C# as written, for stepping through it in a debugger (slow).</summary>
    IlgpuCpu,
}
