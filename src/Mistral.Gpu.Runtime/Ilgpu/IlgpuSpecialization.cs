using ILGPU.Backends.EntryPoints;
using ILGPU.IR;
using ILGPU.IR.Types;
using ILGPU.Runtime;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// One variant of a kernel with <see cref="SpecializedValue{T}"/> parameters, in ILGPU's IR, without a device: a wrapper
/// entry point that calls the kernel with each specialized parameter replaced by its value, so ILGPU's optimiser folds
/// them (group memory sized by one becomes static). This is what ILGPU's typed launchers do when an accelerator first
/// launches a value; its compile-only API has no such path, so the PTX and OpenCL C of such kernels come from here.
/// </summary>
internal static class IlgpuSpecialization
{
    /// <summary>
    /// Copies <paramref name="kernel"/> into a new IR context with a wrapper around it; dispose the context when the
    /// compile is done.
    /// </summary>
    /// <param name="kernel">The kernel, compiled to IR by <c>Backend.PreCompileKernelMethod</c>.</param>
    /// <param name="entry">Its entry point (the positions of its specialized parameters).</param>
    /// <param name="values">One value per specialized parameter, in order.</param>
    /// <param name="wrapper">The entry point to compile.</param>
    public static IRContext Wrap(Method kernel, in EntryPointDescription entry, IReadOnlyList<int> values, out Method wrapper)
    {
        var specialized = entry.Parameters.SpecializedParameters;
        if (specialized.Length != values.Count)
            throw new ArgumentException($"{entry.Name} has {specialized.Length} specialized parameters, {values.Count} values given.", nameof(values));
        var context = kernel.ExtractToContext(out var copy);
        try
        {
            copy.AddFlags(MethodFlags.Inline);
            wrapper = context.Declare(new MethodDeclaration(MethodHandle.Create("SpecializedWrapper"), context.VoidType), out _);
            using (var builder = wrapper.CreateBuilder())
            {
                var location = wrapper.Location;
                var block = builder.EntryBlockBuilder;
                var call = block.CreateCall(location, copy);
                int offset = entry.KernelIndexParameterOffset;
                for (int i = 0, next = 0; i < copy.NumParameters; i++)
                {
                    var parameter = copy.Parameters[i];
                    // Every parameter stays in the wrapper's signature: ILGPU's argument mappers expect the kernel's.
                    var passed = builder.AddParameter(parameter.Type, parameter.Name);
                    if (next < specialized.Length && specialized[next].Index == i - offset)
                        call.Add(block.CreateObjectValue(location, SpecializedValue.New(values[next++])));
                    else
                        call.Add(passed);
                }
                call.Seal();
                block.CreateReturn(location);
                builder.Complete();
            }
            context.Optimize();
            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }
}
