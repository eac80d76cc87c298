using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// Loads each (kernel, specialization values) variant once per accelerator: PTX from the disk
/// cache, or compiled by NVRTC for the device's architecture and then stored there; the module
/// stays loaded until the accelerator is disposed.
/// </summary>
internal sealed unsafe class CudaKernelCache(CudaContextHandle context, string architecture) : IDisposable
{
    private readonly KernelVariants<(CudaModuleHandle Module, nint Function)> loaded = new();
    private string? nvrtcVersion;

    /// <summary>The virtual architecture PTX is compiled for ("compute_90").</summary>
    public string Architecture { get; } = architecture;

    public int Count => loaded.Count;

    /// <summary>The CUfunction for the variant, loaded on first use.</summary>
    /// <exception cref="KernelCompilationException">NVRTC or the driver's PTX JIT rejected the kernel.</exception>
    public nint Get(KernelDefinition kernel, ReadOnlySpan<int> specializationValues) =>
        loaded.GetOrBuild(kernel, specializationValues, this, static (self, k, values) => self.Load(k, values)).Function;

    private (CudaModuleHandle, nint) Load(KernelDefinition kernel, IReadOnlyList<int> values)
    {
        string label = kernel.VariantLabel(values);
        string source = kernel.SourceFor(KernelDialect.Cuda, values);
        nvrtcVersion ??= NvrtcCompiler.Version();
        string cacheKey = PtxDiskCache.Key(source, Architecture, nvrtcVersion, NvrtcCompiler.BaseOptions);
        string? ptx = PtxDiskCache.TryRead(cacheKey);
        bool fromDisk = ptx is not null;
        ptx ??= Compile(kernel, label, source, cacheKey);
        var module = TryLoadModule(ptx, out string jitLog);
        if (module is null && fromDisk)
        {
            // A stale or truncated cache file: compile afresh once before blaming the kernel.
            ptx = Compile(kernel, label, source, cacheKey);
            module = TryLoadModule(ptx, out jitLog);
        }
        if (module is null)
            throw new KernelCompilationException(kernel.Name, BackendKind.Cuda,
                $"kernel {label}: the driver could not load the PTX for {Architecture}.{Environment.NewLine}{jitLog}");
        try
        {
            nint function;
            int status;
            fixed (byte* name = Encoding.ASCII.GetBytes(kernel.EntryPoint + "\0"))
                status = CuApi.cuModuleGetFunction(&function, module.Value, name);
            if (status == CuConstants.ErrorNotFound)
                throw new KernelCompilationException(kernel.Name, BackendKind.Cuda,
                    $"kernel {label}: the module has no function '{kernel.EntryPoint}'; the source must declare it extern \"C\" __global__ so NVRTC does not mangle its name.");
            CudaErrors.Check(status, $"cuModuleGetFunction({kernel.EntryPoint})");
            return (module, function);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    private string Compile(KernelDefinition kernel, string label, string source, string cacheKey)
    {
        string ptx = NvrtcCompiler.CompileToPtx(source, kernel.Name, label, kernel.EntryPoint + ".cu", Architecture);
        PtxDiskCache.TryWrite(cacheKey, ptx);
        return ptx;
    }

    private CudaModuleHandle? TryLoadModule(string ptx, out string jitLog)
    {
        const int logSize = 16 * 1024;
        byte* log = stackalloc byte[logSize];
        log[0] = 0;
        int* options = stackalloc int[] { CuConstants.JitErrorLogBuffer, CuConstants.JitErrorLogBufferSizeBytes };
        void** values = stackalloc void*[] { log, (void*)logSize };
        nint module;
        int status;
        fixed (byte* image = Encoding.UTF8.GetBytes(ptx + "\0"))
            status = CuApi.cuModuleLoadDataEx(&module, image, 2, options, values);
        jitLog = $"cuModuleLoadDataEx: {CudaErrors.Describe(status)}{Environment.NewLine}{new string((sbyte*)log).Trim()}";
        return status == CuConstants.Success ? new CudaModuleHandle(module, context) : null;
    }

    public void Dispose()
    {
        foreach (var (module, _) in loaded.TakeAll()) module.Dispose();
    }
}
