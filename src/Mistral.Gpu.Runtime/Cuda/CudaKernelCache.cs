using System.Text;

namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// Loads each (kernel, specialization values) variant once per accelerator: CUBIN (or PTX) from the
/// disk cache, or compiled by NVRTC for the device's target and then stored there; the module
/// stays loaded until the accelerator is disposed.
/// </summary>
internal sealed unsafe class CudaKernelCache(CudaContextHandle context, NvrtcTarget target) : IDisposable
{
    private readonly KernelVariants<(CudaModuleHandle Module, nint Function)> loaded = new();
    private string? nvrtcVersion;

    /// <summary>What kernels are compiled for: <c>sm_90</c> (CUBIN) or <c>compute_90</c> (PTX).</summary>
    public NvrtcTarget Target { get; } = target;

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
        string cacheKey = PtxDiskCache.Key(source, Target.Option, nvrtcVersion, NvrtcCompiler.BaseOptions);
        byte[]? image = ReadCached(cacheKey);
        bool fromDisk = image is not null;
        image ??= Compile(kernel, label, source, cacheKey);
        var module = TryLoadModule(image, out string jitLog);
        if (module is null && fromDisk)
        {
            // A stale or truncated cache file: compile afresh once before blaming the kernel.
            image = Compile(kernel, label, source, cacheKey);
            module = TryLoadModule(image, out jitLog);
        }
        if (module is null)
            throw new KernelCompilationException(kernel.Name, BackendKind.Cuda,
                $"kernel {label}: the driver could not load the {(Target.Cubin ? "CUBIN" : "PTX")} for {Target}.{Environment.NewLine}{jitLog}");
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

    private byte[] Compile(KernelDefinition kernel, string label, string source, string cacheKey)
    {
        byte[] image = NvrtcCompiler.Compile(source, kernel.Name, label, kernel.EntryPoint + ".cu", Target).Image;
        // The cache holds text: CUBIN goes in as base64 (its key differs from PTX's, sm_ against compute_).
        PtxDiskCache.TryWrite(cacheKey, Target.Cubin ? Convert.ToBase64String(image) : Encoding.UTF8.GetString(image));
        return image;
    }

    private byte[]? ReadCached(string cacheKey)
    {
        if (PtxDiskCache.TryRead(cacheKey) is not { } text) return null;
        if (!Target.Cubin) return Encoding.UTF8.GetBytes(text);
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private CudaModuleHandle? TryLoadModule(byte[] image, out string jitLog)
    {
        const int logSize = 16 * 1024;
        byte* log = stackalloc byte[logSize];
        log[0] = 0;
        int* options = stackalloc int[] { CuConstants.JitErrorLogBuffer, CuConstants.JitErrorLogBufferSizeBytes };
        void** values = stackalloc void*[] { log, (void*)logSize };
        nint module;
        int status;
        // PTX is read up to its terminating zero; CUBIN carries its own size, so the extra byte is harmless.
        byte[] terminated = [.. image, 0];
        fixed (byte* data = terminated)
            status = CuApi.cuModuleLoadDataEx(&module, data, 2, options, values);
        jitLog = $"cuModuleLoadDataEx: {CudaErrors.Describe(status)}{Environment.NewLine}{new string((sbyte*)log).Trim()}";
        return status == CuConstants.Success ? new CudaModuleHandle(module, context) : null;
    }

    public void Dispose()
    {
        foreach (var (module, _) in loaded.TakeAll()) module.Dispose();
    }
}
