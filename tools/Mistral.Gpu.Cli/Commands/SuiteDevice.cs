using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Which device the suite measures. The best one by default; CUDA through NVRTC needs libnvrtc from a CUDA toolkit, so a
/// machine with only the NVIDIA driver falls back to ILGPU's PTX (which the driver JIT-compiles), saying so in one line.
/// </summary>
internal static class SuiteDevice
{
    /// <summary>The backend asked for by --backend and --compiler; null for the best one.</summary>
    /// <exception cref="ArgumentException">--compiler that does not fit --backend.</exception>
    public static string? BackendName(string? backend, string? compiler)
    {
        if (compiler is null) return backend;
        string device = backend switch
        {
            null or "cuda" or "ilgpu-cuda" => "cuda",
            "opencl" or "ilgpu-opencl" => "opencl",
            "cpu" or "ilgpu-cpu" => "cpu",
            _ => backend,
        };
        return (device, compiler) switch
        {
            ("cuda", "nvrtc" or "native") => "cuda",
            ("opencl", "native") => "opencl",
            (_, "ilgpu") => "ilgpu-" + device,
            ("cpu", "native") => "cpu",
            _ => throw new ArgumentException($"--compiler {compiler} does not apply to --backend {backend ?? "cuda"}: nvrtc is CUDA's, native is any backend's own, ilgpu any."),
        };
    }

    /// <summary>Opens the device; returns it with the backend's name as the report gives it.</summary>
    /// <exception cref="BackendUnavailableException">The asked backend has no device here (the message says how to get one).</exception>
    public static (Accelerator Accelerator, string Name) Open(string? name)
    {
        if (name is not null && name != "cuda") return (Accelerators.Create(Accelerators.ParseBackend(name)), name);
        try
        {
            return (Accelerators.Create(BackendKind.Cuda), "cuda");
        }
        catch (BackendUnavailableException cuda)
        {
            try
            {
                var ilgpu = Accelerators.Create(BackendKind.IlgpuCuda);
                Console.WriteLine($"NVRTC unavailable ({cuda.Message}); running ILGPU's PTX on the same GPU instead (ilgpu-cuda).");
                return (ilgpu, "ilgpu-cuda");
            }
            catch (BackendUnavailableException) when (name is null)
            {
                try { return (Accelerators.Create(BackendKind.OpenCL), "opencl"); }
                catch (BackendUnavailableException) { return (Accelerators.Create(BackendKind.Cpu), "cpu"); }
            }
            catch (BackendUnavailableException)
            {
                throw cuda;
            }
        }
    }
}
