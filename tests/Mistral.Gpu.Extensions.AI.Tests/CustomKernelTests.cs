using Mistral.Gpu.Extensions.AI.Tests.Kernels;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// Kernels written in this test project compile through the generator (launcher, validator, device
/// sources, catalog) and run on the CPU and OpenCL backends against scalar C# references, over sizes
/// that are not multiples of the group size.
/// </summary>
public sealed class CustomKernelTests
{
    private static readonly int[] Sizes = [1, 127, 1000, 4097];

    private static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void The_generator_emitted_sources_launchers_and_a_catalog_for_this_assembly()
    {
        Assert.Contains(TestKernels.SaxpyKernel.Definition, KernelCatalog.All);
        Assert.Contains(TestKernels.BlockDotKernel.Definition, KernelCatalog.All);
        Assert.Contains("__global__", TestKernels.SaxpyKernel.CudaSource);
        Assert.Contains("__kernel", TestKernels.SaxpyKernel.OpenCLSource);
        Assert.Contains("__local", TestKernels.BlockDotKernel.OpenCLSource);
        Assert.Contains("__shared__", TestKernels.BlockDotKernel.CudaSource);
    }

    [Fact]
    public void Cpu_runs_the_custom_kernels_exactly()
    {
        using var accelerator = new CpuAccelerator();
        // The CPU backend runs the C# bodies themselves: the same float operations as the references, so exact.
        Check(accelerator, saxpyTolerance: 0f);
    }

    [RequiresOpenCLFact]
    public void OpenCL_runs_the_custom_kernels()
    {
        using var accelerator = Accelerators.Create(BackendKind.OpenCL);
        // OpenCL may contract a * x + y into one fma (one rounding instead of two): up to an ulp or
        // so from the C# reference. The dot's products are stored before the tree adds them in the
        // reference's order, so nothing can be contracted there and it must match exactly.
        Check(accelerator, saxpyTolerance: 2e-7f);
    }

    [Fact]
    public void The_generated_launcher_checks_extents_on_the_host()
    {
        using var accelerator = new CpuAccelerator();
        using var x = accelerator.Allocate<float>(10);
        using var y = accelerator.Allocate<float>(10);
        using var shortResult = accelerator.Allocate<float>(9);
        var e = Assert.Throws<ArgumentException>(() => TestKernels.SaxpyKernel.Launch(accelerator, LaunchDims.ForElements(10, 32), 1f, x, y, shortResult, 10));
        Assert.Equal("result", e.ParamName);
    }

    private static void Check(Accelerator accelerator, float saxpyTolerance)
    {
        foreach (int n in Sizes)
        {
            float[] x = Random(n, n), y = Random(n, n + 1);
            const float a = -1.75f;
            using var dx = accelerator.Upload<float>(x);
            using var dy = accelerator.Upload<float>(y);
            using var dr = accelerator.Allocate<float>(n);
            TestKernels.SaxpyKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), a, dx, dy, dr, n);
            var result = new float[n];
            dr.CopyTo(result);
            for (int i = 0; i < n; i++)
            {
                float expected = a * x[i] + y[i];
                Assert.True(MathF.Abs(result[i] - expected) <= saxpyTolerance * MathF.Max(1, MathF.Abs(expected)),
                    $"{accelerator.Info.Backend} saxpy n={n} [{i}]: {result[i]} vs {expected}");
            }

            int groups = (n + TestKernels.DotGroupSize - 1) / TestKernels.DotGroupSize;
            using var dp = accelerator.Allocate<float>(groups);
            TestKernels.BlockDotKernel.Launch(accelerator, new LaunchDims(groups, TestKernels.DotGroupSize), dx, dy, dp, n);
            var partial = new float[groups];
            dp.CopyTo(partial);
            for (int g = 0; g < groups; g++)
            {
                Assert.True(TreeDot(x, y, g * TestKernels.DotGroupSize, n) == partial[g], $"{accelerator.Info.Backend} dot n={n} group {g}: {partial[g]} vs {TreeDot(x, y, g * TestKernels.DotGroupSize, n)}");
            }
        }
    }

    /// <summary>The kernel's own summation order, in plain C#.</summary>
    private static float TreeDot(float[] x, float[] y, int start, int n)
    {
        var products = new float[TestKernels.DotGroupSize];
        for (int lane = 0; lane < products.Length; lane++)
            products[lane] = start + lane < n ? x[start + lane] * y[start + lane] : 0f;
        for (int stride = products.Length / 2; stride > 0; stride >>= 1)
            for (int lane = 0; lane < stride; lane++)
                products[lane] += products[lane + stride];
        return products[0];
    }
}
