using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// ILGPU's own compilers without a device: the PTX its CudaAccelerator would hand the driver, and the OpenCL C its
/// CLAccelerator would build, for reading, dumping and testing kernels on machines without a GPU. One ILGPU context at O2
/// with ILGPU.Algorithms, shared by every compile. A kernel's <see cref="SpecializedValue{T}"/> parameters stay runtime
/// parameters here: ILGPU specializes them only when an accelerator launches a value.
/// </summary>
public sealed class IlgpuSourceCompiler : IDisposable
{
    private readonly Context context = Context.Create(b => b.Optimize(OptimizationLevel.O2).EnableAlgorithms());

    /// <summary>ILGPU's PTX of <paramref name="kernel"/> for <paramref name="architecture"/> (PTX ISA 8.0).</summary>
    /// <exception cref="NotSupportedException">The kernel still takes a KernelContext.</exception>
    /// <exception cref="KernelCompilationException">ILGPU could not compile it.</exception>
    public string Ptx(KernelDefinition kernel, CudaArchitecture architecture)
    {
        var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null);
        return Compile(kernel, BackendKind.IlgpuCuda, entry => ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly);
    }

    /// <summary>
    /// ILGPU's OpenCL C 2.0 of <paramref name="kernel"/> for a device with the generic address space, fp16 and sub-groups.
    /// Warp shuffles become Intel sub-group calls: with <see cref="CLDeviceVendor.AMD"/> ILGPU cannot emit them at all.
    /// </summary>
    /// <exception cref="NotSupportedException">The kernel still takes a KernelContext.</exception>
    /// <exception cref="KernelCompilationException">ILGPU could not compile it.</exception>
    public string OpenCL(KernelDefinition kernel, CLDeviceVendor vendor = CLDeviceVendor.Intel)
    {
        var capabilities = new CLCapabilityContext(float16: true, float64: true, genericAddressSpace: true, int64_Atomics: true, subGroups: true);
        var backend = new CLBackend(context, capabilities, vendor, CLCVersion.CL20);
        return Compile(kernel, BackendKind.IlgpuOpenCL, entry => ((CLCompiledKernel)backend.Compile(entry, new KernelSpecialization())).Source);
    }

    private static string Compile(KernelDefinition kernel, BackendKind backend, Func<EntryPointDescription, string> compile)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var method = kernel.IlgpuKernel ?? throw IlgpuKernels.NotPorted(kernel, backend);
        try
        {
            return compile(EntryPointDescription.FromExplicitlyGroupedKernel(method));
        }
        catch (Exception e) when (IlgpuKernels.IsCompilerError(e))
        {
            throw new KernelCompilationException(kernel.Name, backend, IlgpuKernels.CompilerMessage(e));
        }
    }

    /// <inheritdoc />
    public void Dispose() => context.Dispose();
}
