using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Runtime;

/// <summary>Finds devices and creates accelerators: by name, from <c>MISTRAL_GPU_BACKEND</c>, or the best available (CUDA, then OpenCL, then CPU).</summary>
public static class Accelerators
{
    /// <summary>The environment variable that picks the backend when none is given.</summary>
    public const string BackendVariable = "MISTRAL_GPU_BACKEND";

    /// <summary>Every backend name <see cref="ParseBackend"/> takes, in the order help texts list them.</summary>
    public static IReadOnlyList<string> BackendNames { get; } = ["cuda", "opencl", "cpu", "ilgpu-cuda", "ilgpu-opencl", "ilgpu-cpu"];

    /// <summary>Parses "cuda", "opencl", "cpu", or ILGPU's "ilgpu-cuda", "ilgpu-opencl", "ilgpu-cpu" (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name, with the valid ones listed.</exception>
    public static BackendKind ParseBackend(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cuda" => BackendKind.Cuda,
        "opencl" or "cl" => BackendKind.OpenCL,
        "cpu" => BackendKind.Cpu,
        "ilgpu-cuda" => BackendKind.IlgpuCuda,
        "ilgpu-opencl" or "ilgpu-cl" => BackendKind.IlgpuOpenCL,
        "ilgpu-cpu" => BackendKind.IlgpuCpu,
        _ => throw new ArgumentException($"Unknown backend '{name}': use {string.Join(", ", BackendNames)}.", nameof(name)),
    };

    /// <summary>
    /// Creates an accelerator for <paramref name="backend"/>; when null, for <c>MISTRAL_GPU_BACKEND</c>,
    /// and when that is unset, for the best backend with a device.
    /// </summary>
    /// <exception cref="BackendUnavailableException">The asked backend has no device; the message says how to get one.</exception>
    public static Accelerator Create(BackendKind? backend = null)
    {
        if (backend is null && Environment.GetEnvironmentVariable(BackendVariable) is { Length: > 0 } fromEnv)
            backend = ParseBackend(fromEnv);
        if (backend is { } kind) return CreateKind(kind);
        foreach (var candidate in new[] { BackendKind.Cuda, BackendKind.OpenCL })
        {
            try { return CreateKind(candidate); }
            catch (BackendUnavailableException) { }
        }
        return new CpuAccelerator();
    }

    /// <summary>
    /// For each backend (CUDA, OpenCL, CPU, then ILGPU's three), its devices or the reason it is unavailable (for ILGPU also
    /// which devices it skips and why, even when it runs others), without
    /// creating any context. Never throws for a missing driver: that is what the reason reports.
    /// </summary>
    public static IReadOnlyList<BackendProbe> Probe() =>
    [
        ProbeOne(BackendKind.Cuda, () =>
        {
            var devices = BackendRegistry.ListCuda();
            return (devices, BackendRegistry.CudaCompilerProblem());
        }),
        ProbeOne(BackendKind.OpenCL, () => (BackendRegistry.ListOpenCL(), null)),
        ProbeOne(BackendKind.Cpu, () =>
        {
            using var cpu = new CpuAccelerator();
            return ([cpu.Info], null);
        }),
        ProbeOne(BackendKind.IlgpuCuda, () => BackendRegistry.ListIlgpu(BackendKind.IlgpuCuda)),
        ProbeOne(BackendKind.IlgpuOpenCL, () => BackendRegistry.ListIlgpu(BackendKind.IlgpuOpenCL)),
        ProbeOne(BackendKind.IlgpuCpu, () => BackendRegistry.ListIlgpu(BackendKind.IlgpuCpu)),
    ];

    private static BackendProbe ProbeOne(BackendKind kind, Func<(IReadOnlyList<AcceleratorInfo> Devices, string? Problem)> probe)
    {
        try
        {
            var (devices, problem) = probe();
            // ILGPU may skip some devices while running others: the devices are listed and the skips kept as a note.
            return devices.Count > 0 && problem is not null && BackendRegistry.IsIlgpu(kind)
                ? new BackendProbe(kind, devices, null) { SkippedDevices = problem }
                : new BackendProbe(kind, devices, problem);
        }
        catch (BackendUnavailableException e)
        {
            return new BackendProbe(kind, [], e.Message);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException
                                      or Cuda.CudaException or OpenCL.OpenCLException or ILGPU.Runtime.AcceleratorException)
        {
            // A broken driver install must show up as a reason in `devices`, not crash the listing.
            return new BackendProbe(kind, [], $"{kind} failed while listing devices: {e.Message}");
        }
    }

    private static Accelerator CreateKind(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => new CpuAccelerator(),
        BackendKind.OpenCL => BackendRegistry.CreateOpenCL(),
        BackendKind.Cuda => BackendRegistry.CreateCuda(),
        BackendKind.IlgpuCuda or BackendKind.IlgpuOpenCL or BackendKind.IlgpuCpu => BackendRegistry.CreateIlgpu(kind),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
