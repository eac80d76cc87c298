using ILGPU;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>A kernel whose [Specialize] parameter shares its name with a helper's parameter and a local of the helper.</summary>
public static partial class SpecializationNamingKernels
{
    [KernelHelper]
    static int Scaled(int width, int value)
    {
        int MGPU_SPEC_width = width * value;
        return MGPU_SPEC_width + width;
    }

    /// <summary>out[i] = i * width + width (through the helper), for width 4 or 8.</summary>
    [Kernel]
    public static void Fill([Extent("n")] ArrayView<int> output, int n, [Specialize(4, 8)] SpecializedValue<int> width)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n) output[i] = Scaled(width, i);
    }
}

public sealed class SpecializationNamingTests
{
    private static void Check(Accelerator accelerator, int width)
    {
        const int n = 100;
        using var output = accelerator.Allocate<int>(n);
        SpecializationNamingKernels.FillKernel.Launch(accelerator, LaunchDims.ForElements(n, 32), output, n, width);
        accelerator.Synchronize();
        Assert.Equal(Enumerable.Range(0, n).Select(i => i * width + width), output.ToArray());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Cpu_keeps_helper_variables_apart_from_the_specialization(int width)
    {
        using var cpu = new CpuAccelerator();
        Check(cpu, width);
    }

    /// <summary>Before the MGPU_SPEC_ macros, the helper's 'width' became '#define width 4' text and the build failed.</summary>
    [RequiresOpenCLTheory]
    [InlineData(4)]
    [InlineData(8)]
    public void OpenCL_keeps_helper_variables_apart_from_the_specialization(int width)
    {
        using var device = OpenCLAccelerator.Create();
        Check(device, width);
    }
}
