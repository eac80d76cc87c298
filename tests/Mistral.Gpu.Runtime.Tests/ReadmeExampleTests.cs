using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>The kernel shown in README.md, verbatim, so the example keeps compiling and computing what it says.</summary>
public static partial class MyKernels
{
    /// <summary>y[i] = a * x[i] + y[i], then one partial sum of y per group of 256.</summary>
    [Kernel]
    public static void AxpyAndSum([Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<float> y,
        [Extent("(n + 255) / 256")] ArrayView<float> sums, float a, int n)
    {
        var partial = SharedMemory.Allocate<float>(256 / KernelShape.WarpSize);   // group memory, size known at compile time
        int i = Grid.GlobalIndex.X;
        float v = 0f;
        if (i < n)
        {
            v = KMath.Fma(a, x[i], y[i]);                                       // fmaf on CUDA, fma on OpenCL
            y[i] = v;
        }
        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(v);           // shuffles on CUDA, emulated in OpenCL C 1.2
        if (Warp.LaneIdx == 0) partial[Warp.WarpIdx] = warpSum;
        Group.Barrier();                                                        // every lane reaches it: no lane-dependent branch around it
        if (Group.LinearIndex == 0)
        {
            float total = 0f;
            for (int w = 0; w < 256 / KernelShape.WarpSize; w++) total += partial[w];
            sums[Grid.IdxX] = total;
        }
    }
}

public sealed class ReadmeExampleTests
{
    private static void Check(Accelerator accelerator)
    {
        const int n = 1000;
        float[] xs = Enumerable.Range(0, n).Select(i => MathF.Sin(i)).ToArray();
        float[] ys = Enumerable.Range(0, n).Select(i => MathF.Cos(i)).ToArray();
        using var x = accelerator.Upload<float>(xs);
        using var y = accelerator.Upload<float>(ys);
        using var sums = accelerator.Allocate<float>((n + 255) / 256);
        MyKernels.AxpyAndSumKernel.Launch(accelerator, LaunchDims.ForElements(n, 256), x, y, sums, 2f, n);
        accelerator.Synchronize();
        float[] expected = xs.Zip(ys, (a, b) => MathF.FusedMultiplyAdd(2f, a, b)).ToArray();
        Assert.Equal(expected, y.ToArray());
        var got = sums.ToArray();
        for (int g = 0; g < got.Length; g++)
        {
            double reference = expected.Skip(256 * g).Take(256).Sum(v => (double)v);
            Assert.True(Math.Abs(got[g] - reference) < 1e-3, $"group {g}: {got[g]} vs {reference}");
        }
        var error = Assert.Throws<ArgumentException>(() => MyKernels.AxpyAndSumKernel.Launch(accelerator, LaunchDims.ForElements(n, 256), x, y, sums, 2f, n + 1));
        Assert.Equal("x", error.ParamName);
    }

    [Fact]
    public void Readme_kernel_runs_on_cpu()
    {
        using var cpu = new CpuAccelerator();
        Check(cpu);
    }

    [RequiresOpenCLFact]
    public void Readme_kernel_runs_on_opencl()
    {
        using var device = OpenCLAccelerator.Create();
        Check(device);
    }
}
