using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Mistral.Gpu.Runtime.Cuda;
using IlgpuCudaAccelerator = ILGPU.Runtime.Cuda.CudaAccelerator;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// Finds ILGPU's devices and says why ILGPU skips the others. Every context is built the way the kernels need it: O2 (so
/// a 16-byte load stays one global vector load), ILGPU.Algorithms (warp reductions), profiling (timing events).
/// </summary>
internal static class IlgpuDevices
{
    /// <summary>
    /// ILGPU's CPU device as a GPU-shaped machine: 32-lane warps and groups up to 256 lanes (its default caps groups at
    /// 16; our kernels use at most 256), one group at a time. Every lane of the largest group is a thread that takes part
    /// in every barrier, so lanes no kernel uses only cost time: at 1024 lanes a stories260k run took 4x as long.
    /// </summary>
    internal const int CpuMaxGroupSize = 256;

    private static CPUDevice CpuDevice() => new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: CpuMaxGroupSize / 32, numMultiprocessors: 1);

    /// <summary>A context and accelerator for <paramref name="backend"/>, owned by the caller.</summary>
    /// <exception cref="BackendUnavailableException">No such ILGPU device; the message says why.</exception>
    public static (Context Context, ILGPU.Runtime.Accelerator Device) Open(BackendKind backend)
    {
        var context = Create(backend);
        try
        {
            Device? device = backend switch
            {
                BackendKind.IlgpuCpu => context.GetCPUDevice(0),
                BackendKind.IlgpuCuda => Devices(context, backend).FirstOrDefault(),
                BackendKind.IlgpuOpenCL => Devices(context, backend).OrderBy(d => d is CLDevice { DeviceType: CLDeviceType.CL_DEVICE_TYPE_CPU }).FirstOrDefault(),
                _ => throw new ArgumentOutOfRangeException(nameof(backend), $"{backend} is not an ILGPU backend."),
            };
            if (device is null) throw new BackendUnavailableException(backend, Problem(backend) ?? $"ILGPU finds no {backend} device.");
            return (context, device.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The devices ILGPU can run <paramref name="backend"/> on, and why it runs none (null when it runs some).</summary>
    public static (IReadOnlyList<AcceleratorInfo> Devices, string? Problem) List(BackendKind backend)
    {
        if (backend == BackendKind.IlgpuCpu)
        {
            using var context = Create(backend);
            using var cpu = context.GetCPUDevice(0).CreateAccelerator(context);
            return ([Describe(cpu, backend)], null);
        }
        string? problem = Problem(backend);
        if (problem is not null && !problem.StartsWith("ILGPU skips", StringComparison.Ordinal)) return ([], problem);
        using (var context = Create(backend))
        {
            var devices = new List<AcceleratorInfo>();
            foreach (var device in Devices(context, backend))
            {
                using var accelerator = device.CreateAccelerator(context);
                devices.Add(Describe(accelerator, backend));
            }
            return (devices, devices.Count == 0 ? problem ?? $"ILGPU finds no {backend} device." : null);
        }
    }

    /// <summary>
    /// Why ILGPU's CUDA or OpenCL backend skips devices here: no driver, no device, or (OpenCL) each device it refuses and
    /// why, e.g. PoCL 3.1 without the generic address space. Null when nothing is skipped.
    /// </summary>
    public static string? Problem(BackendKind backend) => backend switch
    {
        BackendKind.IlgpuCuda => CudaProblem(),
        BackendKind.IlgpuOpenCL => OpenCLProblem(),
        _ => null,
    };

    private static string? CudaProblem()
    {
        try
        {
            CudaDiscovery.Initialize();
        }
        catch (BackendUnavailableException e)
        {
            return e.Message;
        }
        using var context = Context.Create(b => b.Cuda());
        return context.GetCudaDevices().Count > 0 ? null
            : "ILGPU skips every CUDA device here: its architecture or the driver's PTX version is one ILGPU 1.5.3 does not support.";
    }

    private static string? OpenCLProblem()
    {
        // ILGPU's own filter takes only the devices it can serve; listing all of them shows what it refuses and why.
        using var context = Context.Create(b => b.OpenCL(_ => true));
        var all = Devices(context, BackendKind.IlgpuOpenCL).Cast<CLDevice>().ToList();
        if (all.Count == 0) return "No OpenCL platform or device found (no libOpenCL.so.1 or no ICD): install a vendor's OpenCL driver.";
        var refused = all.Where(d => !IsSupported(d)).Select(d => $"{d.Name.Trim()} (OpenCL {d.DeviceVersion}): {Refusal(d)}").ToList();
        return refused.Count == 0 ? null : "ILGPU skips " + string.Join("; ", refused) + ".";
    }

    /// <summary>What ILGPU's CLAccelerator needs: OpenCL C 2.0+, or 3.0 with the generic address space.</summary>
    private static bool IsSupported(CLDevice device) => device.Capabilities.GenericAddressSpace && device.CVersion >= CLCVersion.CL20;

    private static string Refusal(CLDevice device) => !device.Capabilities.GenericAddressSpace
        ? "no generic address space, which ILGPU's OpenCL code needs (the cpu or opencl backend still runs it)"
        : $"OpenCL C {device.CVersion} is older than the 2.0 ILGPU needs";

    // ILGPU's device collections are not IEnumerable; our callers want LINQ.
    private static List<Device> Devices(Context context, BackendKind backend)
    {
        var devices = new List<Device>();
        if (backend == BackendKind.IlgpuCuda) foreach (var device in context.GetCudaDevices()) devices.Add(device);
        else foreach (var device in context.GetCLDevices()) devices.Add(device);
        return devices;
    }

    private static Context Create(BackendKind backend) => Context.Create(builder =>
    {
        builder.Optimize(OptimizationLevel.O2).EnableMistralKernels().Profiling();
        _ = backend switch
        {
            BackendKind.IlgpuCpu => builder.CPU(CpuDevice()),
            BackendKind.IlgpuCuda => builder.Cuda(),
            BackendKind.IlgpuOpenCL => builder.OpenCL(IsSupported),
            _ => builder,
        };
    });

    /// <summary>What an ILGPU accelerator is, in our terms (CPU figures are the host's, not ILGPU's "unlimited").</summary>
    public static AcceleratorInfo Describe(ILGPU.Runtime.Accelerator device, BackendKind backend)
    {
        bool hostCpu = device.AcceleratorType == AcceleratorType.CPU;
        var info = new AcceleratorInfo
        {
            Backend = backend,
            Name = (hostCpu ? "ILGPU CPU accelerator (a thread per lane, for debugging)" : device.Name.Trim()),
            Vendor = device.AcceleratorType switch
            {
                AcceleratorType.Cuda => "NVIDIA",
                AcceleratorType.OpenCL => ((CLAccelerator)device).VendorName,
                _ => "",
            },
            Platform = $"ILGPU {typeof(Context).Assembly.GetName().Version?.ToString(3)} {device.AcceleratorType}",
            IsCpu = hostCpu || device is CLAccelerator { DeviceType: CLDeviceType.CL_DEVICE_TYPE_CPU },
            MemoryBytes = hostCpu ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.MemorySize,
            ComputeUnits = hostCpu ? Environment.ProcessorCount : device.NumMultiprocessors,
            MaxGroupSize = device.MaxNumThreadsPerGroup,
            SharedMemoryBytes = hostCpu ? 64 * 1024 : device.MaxSharedMemoryPerGroup,
            ComputeCapability = device is IlgpuCudaAccelerator cuda ? $"{cuda.Architecture.Major}.{cuda.Architecture.Minor}" : "",
        };
        return hostCpu ? info : KnownDevices.WithPeaks(info);
    }
}
