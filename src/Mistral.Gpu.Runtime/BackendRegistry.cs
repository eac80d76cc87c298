using Mistral.Gpu.Runtime.Cuda;
using Mistral.Gpu.Runtime.Ilgpu;
using Mistral.Gpu.Runtime.OpenCL;

namespace Mistral.Gpu.Runtime;

/// <summary>Entry points of the GPU backends.</summary>
internal static partial class BackendRegistry
{
    /// <summary>The best OpenCL device (a GPU when there is one).</summary>
    /// <exception cref="BackendUnavailableException">No loader, platform or device; the message says what to install.</exception>
    public static Accelerator CreateOpenCL() => OpenCLAccelerator.Create();

    /// <summary>CUDA device 0.</summary>
    /// <exception cref="BackendUnavailableException">No driver, no device or no NVRTC; the message says what to install.</exception>
    public static Accelerator CreateCuda() => CudaAccelerator.Create();

    /// <summary>An accelerator of one of ILGPU's backends.</summary>
    /// <exception cref="BackendUnavailableException">ILGPU has no such device here; the message says why.</exception>
    public static Accelerator CreateIlgpu(BackendKind kind) => IlgpuAccelerator.Create(kind);

    /// <summary>Devices of one of ILGPU's backends, and why it skips others (or runs none).</summary>
    public static (IReadOnlyList<AcceleratorInfo> Devices, string? Problem) ListIlgpu(BackendKind kind) => IlgpuDevices.List(kind);

    /// <summary>True for the backends that run kernels through ILGPU.</summary>
    public static bool IsIlgpu(BackendKind kind) => kind is BackendKind.IlgpuCuda or BackendKind.IlgpuOpenCL or BackendKind.IlgpuCpu;

    /// <summary>Devices of the OpenCL backend.</summary>
    public static IReadOnlyList<AcceleratorInfo> ListOpenCL() => OpenCLAccelerator.ListDevices();

    /// <summary>Devices of the CUDA backend.</summary>
    public static IReadOnlyList<AcceleratorInfo> ListCuda() => CudaAccelerator.ListDevices();

    /// <summary>Why CUDA cannot compile kernels here (NVRTC missing), or null.</summary>
    public static string? CudaCompilerProblem()
    {
        try
        {
            NvrtcCompiler.EnsureAvailable();
            return null;
        }
        catch (BackendUnavailableException e)
        {
            return e.Message;
        }
    }
}
