using ILGPU;
using ILGPU.Backends;
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
/// with ILGPU.Algorithms, shared by every compile. A kernel's <see cref="SpecializedValue{T}"/> parameters are compiled
/// as the constants of one variant (<see cref="KernelDefinition.AllVariants"/>), as ILGPU's typed launchers do on an
/// accelerator: kernels that size group memory by one cannot be compiled any other way.
/// </summary>
public sealed class IlgpuSourceCompiler : IDisposable
{
    private readonly Context context = Context.Create(b => b.Optimize(OptimizationLevel.O2).EnableMistralKernels());

    /// <summary>ILGPU's PTX of one variant of <paramref name="kernel"/> for <paramref name="architecture"/> (PTX ISA 8.0).</summary>
    /// <param name="kernel">An ILGPU-form kernel.</param>
    /// <param name="architecture">The GPU architecture.</param>
    /// <param name="variant">Its specialization values in order (one of <see cref="KernelDefinition.AllVariants"/>); none for a kernel without.</param>
    /// <exception cref="NotSupportedException">The kernel still takes a KernelContext.</exception>
    /// <exception cref="ArgumentException"><paramref name="variant"/> does not match the kernel's specializations.</exception>
    /// <exception cref="KernelCompilationException">ILGPU could not compile it.</exception>
    public string Ptx(KernelDefinition kernel, CudaArchitecture architecture, IReadOnlyList<int>? variant = null)
    {
        var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null);
        return ((PTXCompiledKernel)Compile(kernel, BackendKind.IlgpuCuda, backend, variant)).PTXAssembly;
    }

    /// <summary>
    /// ILGPU's OpenCL C 2.0 of <paramref name="kernel"/> for a device with the generic address space, fp16 and sub-groups.
    /// Warp shuffles become Intel sub-group calls: with <see cref="CLDeviceVendor.AMD"/> ILGPU cannot emit them at all.
    /// </summary>
    /// <param name="kernel">An ILGPU-form kernel.</param>
    /// <param name="variant">Its specialization values in order; none for a kernel without.</param>
    /// <param name="vendor">The device vendor ILGPU writes for.</param>
    /// <exception cref="NotSupportedException">The kernel still takes a KernelContext.</exception>
    /// <exception cref="ArgumentException"><paramref name="variant"/> does not match the kernel's specializations.</exception>
    /// <exception cref="KernelCompilationException">ILGPU could not compile it.</exception>
    public string OpenCL(KernelDefinition kernel, IReadOnlyList<int>? variant = null, CLDeviceVendor vendor = CLDeviceVendor.Intel)
    {
        var capabilities = new CLCapabilityContext(float16: true, float64: true, genericAddressSpace: true, int64_Atomics: true, subGroups: true);
        var backend = new CLBackend(context, capabilities, vendor, CLCVersion.CL20);
        return ((CLCompiledKernel)Compile(kernel, BackendKind.IlgpuOpenCL, backend, variant)).Source;
    }

    private static CompiledKernel Compile(KernelDefinition kernel, BackendKind backendKind, Backend backend, IReadOnlyList<int>? variant)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var method = kernel.IlgpuKernel ?? throw IlgpuKernels.NotPorted(kernel, backendKind);
        variant ??= [];
        if (variant.Count != kernel.SpecializationCount)
            throw new ArgumentException($"Kernel {kernel.Name} has {kernel.SpecializationCount} specializations, {variant.Count} values given.", nameof(variant));
        try
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
            if (variant.Count == 0) return backend.Compile(entry, KernelSpecialization.Empty);
            var generic = backend.PreCompileKernelMethod(entry);
            using var specialized = IlgpuSpecialization.Wrap(generic, entry, variant, out var wrapper);
            return backend.Compile(wrapper, entry, KernelSpecialization.Empty);
        }
        catch (Exception e) when (IlgpuKernels.IsCompilerError(e))
        {
            throw new KernelCompilationException(kernel.Name, backendKind, IlgpuKernels.CompilerMessage(e));
        }
    }

    /// <inheritdoc />
    public void Dispose() => context.Dispose();
}
