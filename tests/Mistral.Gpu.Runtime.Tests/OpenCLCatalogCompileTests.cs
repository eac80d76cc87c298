using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>Every variant of every catalog kernel builds on the OpenCL device (PoCL in CI): the OpenCL translation is valid OpenCL C 1.2.</summary>
public sealed class OpenCLCatalogCompileTests
{
    public static TheoryData<string> Kernels => [.. Mistral.Gpu.Kernels.KernelCatalog.All.Select(k => k.Name)];

    [RequiresOpenCLTheory]
    [MemberData(nameof(Kernels))]
    public void EveryVariantCompiles(string kernel)
    {
        var definition = Mistral.Gpu.Kernels.KernelCatalog.All.Single(k => k.Name == kernel);
        using var opencl = OpenCLAccelerator.Create();
        var failures = new List<string>();
        foreach (var variant in definition.AllVariants())
        {
            try
            {
                opencl.Compile(definition, variant);
            }
            catch (KernelCompilationException e)
            {
                failures.Add(e.Log);
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, failures));
        Assert.Equal(definition.AllVariants().Count(), opencl.CompiledVariantCount);
    }
}
