using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Mistral.Gpu.Kernels.Proof;
using Mistral.Gpu.Runtime.Ilgpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// ILGPU's CPU accelerator runs the ILGPU-form kernels (ILGPU executes their C# with a thread per lane) against the same
/// scalar references as the other backends; a kernel not yet ported fails with one message naming it.
/// </summary>
public sealed class IlgpuCpuAcceleratorTests : IDisposable
{
    private readonly Accelerator accelerator = Accelerators.Create(BackendKind.IlgpuCpu);

    public void Dispose() => accelerator.Dispose();

    private static float[] Random(int n, int seed) => ProofKernelCpuTests.Random(n, seed);

    [Fact]
    public void Describes_a_gpu_shaped_cpu_device()
    {
        Assert.Equal(BackendKind.IlgpuCpu, accelerator.Info.Backend);
        Assert.True(accelerator.Info.IsCpu);
        Assert.Equal(256, accelerator.Info.MaxGroupSize);
        Assert.Equal(32, ((IlgpuAccelerator)accelerator).Device.WarpSize);
    }

    [Theory]
    [MemberData(nameof(ProofKernelCpuTests.Sizes), MemberType = typeof(ProofKernelCpuTests))]
    public void VectorAdd_matches_reference(int n) => ProofKernelCpuTests.CheckVectorAdd(accelerator, n);

    [Fact]
    public void VectorAdd_reads_and_writes_windows_of_buffers()
    {
        const int n = 100;
        float[] a = Random(n + 7, 3), b = Random(n + 3, 4);
        using var da = accelerator.Upload<float>(a);
        using var db = accelerator.Upload<float>(b);
        using var dc = accelerator.Allocate<float>(n + 10);
        ProofKernels.VectorAddKernel.Launch(accelerator, LaunchDims.ForElements(n, 64), da.Slice(7, n), db.Slice(3, n), dc.Slice(10, n), n);
        var c = dc.ToArray();
        for (int i = 0; i < 10; i++) Assert.Equal(0f, c[i]);
        for (int i = 0; i < n; i++) Assert.Equal(a[i + 7] + b[i + 3], c[i + 10]);
    }

    [Theory]
    [InlineData(1000, 1)]
    [InlineData(1000, 3)]
    [InlineData(64, 3)]
    public void ScaledGroupSums_matches_reference(int n, int scale) => CheckScaledGroupSums(accelerator, n, scale);

    /// <summary>The ILGPU test reduction on <paramref name="accelerator"/> against sums in double (the lanes add in another order).</summary>
    internal static void CheckScaledGroupSums(Accelerator accelerator, int n, int scale)
    {
        const int group = IlgpuTestKernels.GroupSize;
        float[] x = Random(n, 5);
        int groups = (n + group - 1) / group;
        using var dx = accelerator.Upload<float>(x);
        using var sums = accelerator.Allocate<float>(groups);
        IlgpuTestKernels.ScaledGroupSumsKernel.Launch(accelerator, new LaunchDims(groups, group), dx, sums, n, scale);
        var result = sums.ToArray();
        for (int g = 0; g < groups; g++)
        {
            double expected = x.Skip(g * group).Take(group).Sum(v => (double)v * scale);
            Assert.Equal(expected, result[g], 4);
        }
    }

    [Fact]
    public void A_kernel_not_yet_ported_fails_with_its_name()
    {
        using var x = accelerator.Allocate<float>(8);
        var error = Assert.Throws<NotSupportedException>(() =>
            accelerator.Launch(HandWrittenKernels.AddScalar, new LaunchDims(1, 8), [KernelArgument.FromBuffer(x), KernelArgument.From(1f)]));
        Assert.Contains("HandWritten.AddScalar", error.Message);
        Assert.Contains("KernelContext", error.Message);
        Assert.Contains("IlgpuCpu", error.Message);
    }

    [Fact]
    public void Host_validation_runs_before_ilgpu()
    {
        using var a = accelerator.Allocate<float>(4);
        using var c = accelerator.Allocate<float>(8);
        var error = Assert.Throws<ArgumentException>(() => ProofKernels.VectorAddKernel.Launch(accelerator, new LaunchDims(1, 8), a, c, c, 8));
        Assert.Equal("a", error.ParamName);
    }

    [Fact]
    public void Runs_on_a_hosts_accelerator_and_buffers_without_copies()
    {
        const int n = 300;
        float[] a = Random(n, 6), b = Random(n, 7);
        using var context = Context.Create(builder => builder.CPU(new CPUDevice(32, 32, 1)).EnableMistralKernels());
        using var device = context.CreateCPUAccelerator(0);
        using var hostA = device.Allocate1D(a);
        using var hostB = device.Allocate1D(b);
        using var hostC = device.Allocate1D<float>(n);
        using (var ours = IlgpuAccelerator.FromHost(device))
        {
            using var da = ours.Wrap(hostA);
            using var db = ours.Wrap(hostB.View.AsContiguous());
            using var dc = ours.Wrap(hostC);
            Assert.False(dc.OwnsMemory);
            Assert.Equal(0, ours.AllocatedBytes);
            ProofKernels.VectorAddKernel.Launch(ours, LaunchDims.ForElements(n, 128), da, db, dc, n);
            ours.Synchronize();
            // Written through our buffer, read through the host's own: the same memory.
            Assert.Equal(ours.ViewOf<float>(dc).GetAsArray(), hostC.GetAsArray1D());
        }
        // Disposing ours left the host's accelerator and buffers alive.
        Assert.False(device.IsDisposed);
        var c = hostC.GetAsArray1D();
        for (int i = 0; i < n; i++) Assert.Equal(a[i] + b[i], c[i]);
    }

    [Fact]
    public void A_view_of_another_ilgpu_accelerator_is_refused()
    {
        using var context = Context.Create(builder => builder.CPU(new CPUDevice(32, 32, 1)));
        using var device = context.CreateCPUAccelerator(0);
        using var other = device.Allocate1D<float>(4);
        var ours = (IlgpuAccelerator)accelerator;
        var error = Assert.Throws<ArgumentException>(() => ours.Wrap(other));
        Assert.Equal("view", error.ParamName);
    }

    [Fact]
    public void Timing_events_measure_on_the_stream()
    {
        using var start = accelerator.DefaultStream.Record();
        using var x = accelerator.Allocate<float>(64);
        ProofKernels.VectorAddKernel.Launch(accelerator, new LaunchDims(1, 64), x, x, x, 64);
        using var end = accelerator.DefaultStream.Record();
        Assert.True(end.MillisecondsSince(start) >= 0);
    }
}
