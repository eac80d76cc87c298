using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// A launch allocates nothing on the managed heap once its variant is built: a decode step issues hundreds of them,
/// and their argument arrays, variant keys and eagerly formatted error messages were once ~50 KB a layer.
/// </summary>
public sealed class LaunchAllocationTests
{
    private const int Launches = 50;

    [Fact]
    public void A_single_group_cpu_launch_allocates_nothing()
    {
        using var accelerator = new CpuAccelerator();
        AssertNoAllocations(accelerator, new LaunchDims(1, 64));
    }

    [Fact]
    public void A_single_threaded_cpu_launch_allocates_nothing()
    {
        using var accelerator = new CpuAccelerator(maxThreads: 1);
        AssertNoAllocations(accelerator, new LaunchDims(16, 64));
    }

    [RequiresOpenCLFact]
    public void An_opencl_launch_allocates_nothing()
    {
        using var accelerator = Accelerators.Create(BackendKind.OpenCL);
        AssertNoAllocations(accelerator, new LaunchDims(16, 64));
    }

    private static void AssertNoAllocations(Accelerator accelerator, LaunchDims dims)
    {
        int n = dims.GroupCount.X * dims.GroupSize.X - 3;
        using var a = accelerator.Upload<float>(Enumerable.Range(0, n).Select(i => (float)i).ToArray());
        using var b = accelerator.Upload<float>(Enumerable.Range(0, n).Select(i => 2f * i).ToArray());
        using var c = accelerator.Allocate<float>(n);
        ProofKernels.VectorAddKernel.Launch(accelerator, dims, a, b, c, n);
        accelerator.Synchronize();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Launches; i++) ProofKernels.VectorAddKernel.Launch(accelerator, dims, a, b, c, n);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        accelerator.Synchronize();

        Assert.Equal(0, allocated);
        // The launches ran: the sums are there.
        Assert.Equal(3f * (n - 1), c.ToArray()[n - 1]);
    }
}
