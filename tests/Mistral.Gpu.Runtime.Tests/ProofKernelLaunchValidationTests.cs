using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>Host-side argument checks of generated launchers, and the CPU backend's barrier-divergence detection.</summary>
public sealed class ProofKernelLaunchValidationTests : IDisposable
{
    private readonly CpuAccelerator accelerator = new();

    public void Dispose() => accelerator.Dispose();

    [Fact]
    public void Buffer_shorter_than_its_extent_is_rejected_naming_the_parameter()
    {
        using var a = accelerator.Allocate<float>(9);
        using var b = accelerator.Allocate<float>(10);
        using var c = accelerator.Allocate<float>(10);
        var error = Assert.Throws<ArgumentException>(() =>
            ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(10, 32), a, b, c, 10));
        Assert.Equal("a", error.ParamName);
        Assert.Contains("holds 9 elements but needs at least 10 (n)", error.Message);
    }

    [Fact]
    public void Extent_expressions_use_every_named_argument()
    {
        using var a = accelerator.Allocate<float>(6);
        using var b = accelerator.Allocate<float>(9);
        using var c = accelerator.Allocate<float>(5);
        var error = Assert.Throws<ArgumentException>(() =>
            ProofKernels.TiledMatMulKernel.Launch(accelerator, new LaunchDims(1, new Dim3(16, 16)), a, b, c, 2, 3, 3, 16));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("(m * n)", error.Message);
    }

    [Fact]
    public void Wrong_element_type_is_rejected_naming_the_parameter()
    {
        using var ints = accelerator.Allocate<int>(10);
        using var b = accelerator.Allocate<float>(10);
        using var c = accelerator.Allocate<float>(10);
        var error = Assert.Throws<ArgumentException>(() => accelerator.Launch(ProofKernels.VectorAddKernel.Definition, LaunchDims.ForElements(10, 32),
            [KernelArgument.FromBuffer(ints), KernelArgument.FromBuffer(b), KernelArgument.FromBuffer(c), KernelArgument.From(10)]));
        Assert.Equal("a", error.ParamName);
    }

    [Fact]
    public void Null_buffer_is_rejected_naming_the_parameter()
    {
        using var a = accelerator.Allocate<float>(10);
        using var c = accelerator.Allocate<float>(10);
        var error = Assert.Throws<ArgumentNullException>(() =>
            ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(10, 32), a, (DeviceBuffer<float>?)null, c, 10));
        Assert.Equal("b", error.ParamName);
    }

    [Fact]
    public void Unsupported_specialization_is_rejected_naming_the_parameter()
    {
        using var a = accelerator.Allocate<float>(4);
        using var b = accelerator.Allocate<float>(4);
        using var c = accelerator.Allocate<float>(4);
        var error = Assert.Throws<ArgumentException>(() =>
            ProofKernels.TiledMatMulKernel.Launch(accelerator, new LaunchDims(1, new Dim3(8, 8)), a, b, c, 2, 2, 2, 8));
        Assert.Equal("tile", error.ParamName);
    }

    [Fact]
    public void Warp_kernel_needs_whole_warps()
    {
        using var x = accelerator.Allocate<float>(10);
        using var sums = accelerator.Allocate<float>(1);
        var error = Assert.Throws<ArgumentException>(() =>
            ProofKernels.WarpReduceSumKernel.Launch(accelerator, new LaunchDims(1, 48), x, sums, 10));
        Assert.Equal("dims", error.ParamName);
    }

    [Fact]
    public void Lanes_that_skip_a_barrier_are_reported()
    {
        // The generator rejects lane-dependent barriers at compile time (MGPU013/014); a hand-built
        // CPU entry shows what the backend does if one slips through: it fails instead of hanging.
        var divergent = new KernelDefinition("Test.Divergent", "Divergent", [], "", "", KernelFeatures.Barrier, (group, _) =>
        {
            var lanes = new IEnumerator<int>[group.LaneCount];
            for (int i = 0; i < lanes.Length; i++) lanes[i] = Lane(group.EnterLane(i));
            group.RunLockstep(lanes);
        });
        var error = Assert.Throws<InvalidOperationException>(() => accelerator.Launch(divergent, new LaunchDims(1, 64), []));
        Assert.Contains("Barrier divergence", error.Message);

        static IEnumerator<int> Lane(KernelContext ctx)
        {
            if (ctx.LinearLaneId < 10) yield break;
            yield return 0;
        }
    }
}
