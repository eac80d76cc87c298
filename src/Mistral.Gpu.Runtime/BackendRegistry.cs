namespace Mistral.Gpu.Runtime;

/// <summary>Entry points of the GPU backends (filled in by OpenCL/ and Cuda/).</summary>
internal static partial class BackendRegistry
{
    public static Accelerator CreateOpenCL() => throw new BackendUnavailableException(BackendKind.OpenCL,
        "The OpenCL backend is not built yet.");

    public static Accelerator CreateCuda() => throw new BackendUnavailableException(BackendKind.Cuda,
        "The CUDA backend is not built yet.");
}
