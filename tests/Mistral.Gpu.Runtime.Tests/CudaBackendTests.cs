using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cuda;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class CudaBackendTests
{
    [RequiresNoCudaDriverFact]
    public void WithoutADriverCreateCudaSaysWhatIsMissingInOneSentence()
    {
        var error = Assert.Throws<BackendUnavailableException>(() => Accelerators.Create(BackendKind.Cuda));
        Assert.Equal(BackendKind.Cuda, error.Backend);
        Assert.Equal("No NVIDIA driver found (libcuda.so.1): install the NVIDIA driver; CUDA needs an NVIDIA GPU.", error.Message);
        Assert.Throws<BackendUnavailableException>(() => CudaAccelerator.ListDevices());
        var probe = Accelerators.Probe().Single(p => p.Backend == BackendKind.Cuda);
        Assert.False(probe.IsAvailable);
        Assert.Equal(error.Message, probe.UnavailableReason);
    }

    [RequiresCudaFact]
    public void DeviceInfoIsSane()
    {
        using var cuda = CudaAccelerator.Create();
        var info = cuda.Info;
        Assert.Equal(BackendKind.Cuda, info.Backend);
        Assert.False(string.IsNullOrWhiteSpace(info.Name));
        Assert.Matches(@"^\d+\.\d+$", info.ComputeCapability);
        Assert.True(info.MemoryBytes > 1L << 30);
        Assert.InRange(info.ComputeUnits, 1, 1000);
        Assert.Equal(1024, info.MaxGroupSize);
        Assert.Matches(@"^(sm|compute)_\d+$", cuda.Architecture);
    }

    [RequiresCudaFact]
    public void RoundTripsWithOffsetsAndZeroFills()
    {
        using var cuda = CudaAccelerator.Create();
        using var zero = cuda.Allocate<byte>(1001);
        Assert.All(zero.ToArray(), b => Assert.Equal(0, b));
        var data = Enumerable.Range(0, 1000).Select(i => i * 0.25f).ToArray();
        using var buffer = cuda.Upload<float>(data);
        buffer.CopyFrom(new float[] { -1, -2 }, offset: 998);
        var tail = new float[4];
        buffer.CopyTo(tail, offset: 996);
        Assert.Equal(new[] { data[996], data[997], -1f, -2f }, tail);
    }

    [RequiresCudaFact]
    public void HandWrittenKernelsRunWithWindowsScalarsAndSpecializations()
    {
        using var cuda = CudaAccelerator.Create();
        using var buffer = cuda.Upload<float>(Enumerable.Range(0, 100).Select(i => (float)i).ToArray());
        cuda.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(37, 32), [KernelArgument.From(buffer.Slice(50, 37)), KernelArgument.From(1000f)]);
        var result = buffer.ToArray();
        for (int i = 0; i < 100; i++) Assert.Equal(i is >= 50 and < 87 ? i + 1000f : i, result[i]);

        using var output = cuda.Allocate<double>(8);
        cuda.Launch(HandWrittenKernels.Scalars, new LaunchDims(1, 32),
        [
            KernelArgument.From(output.Slice(2, 5)), KernelArgument.From(-7), KernelArgument.From(4_000_000_000u),
            KernelArgument.From(-9_000_000_000L), KernelArgument.From(1.25f), KernelArgument.From(Math.PI), KernelArgument.From(10),
        ]);
        Assert.Equal(new[] { 0, 0, -70.0, 4_000_000_000.0, -9_000_000_000.0, 1.25, Math.PI, 0 }, output.ToArray());
        Assert.True(Directory.EnumerateFiles(CudaAccelerator.PtxCacheDirectory, "*.ptx").Any());
    }

    [RequiresCudaFact]
    public void BrokenSourceRaisesCompilationErrorWithNvrtcsLogAndTheKernelName()
    {
        using var cuda = CudaAccelerator.Create();
        var error = Assert.Throws<KernelCompilationException>(() => cuda.Compile(HandWrittenKernels.Broken, []));
        Assert.Equal(BackendKind.Cuda, error.Backend);
        Assert.Contains("HandWritten.Broken", error.Log);
        Assert.Contains("error", error.Log);
    }

    [RequiresCudaFact]
    public void TimingEventsAndStreamsWork()
    {
        using var cuda = CudaAccelerator.Create();
        using var buffer = cuda.Allocate<float>(1 << 20);
        using var stream = cuda.CreateStream();
        using var start = stream.Record();
        cuda.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(buffer.Length, 256), [KernelArgument.From<float>(buffer), KernelArgument.From(2f)], stream);
        using var end = stream.Record();
        Assert.True(end.MillisecondsSince(start) > 0);
        stream.Synchronize();
        Assert.Equal(2f, buffer.ToArray()[777]);
    }

    [RequiresCudaFact]
    public void WrappedDevicePointersAndStreamsAreNeverFreedByUs()
    {
        using var cuda = CudaAccelerator.Create();
        using var owner = cuda.Upload<float>(new float[] { 1, 2, 3, 4 });
        using (var wrapped = cuda.WrapDevicePointer<float>(owner.NativeHandle, 4))
        using (var legacy = cuda.WrapStream(0))
        {
            Assert.False(wrapped.OwnsMemory);
            cuda.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(4, 32), [KernelArgument.From<float>(wrapped), KernelArgument.From(1f)], legacy);
            legacy.Synchronize();
        }
        Assert.Equal(new[] { 2f, 3f, 4f, 5f }, owner.ToArray());
        Assert.Throws<ArgumentException>(() => cuda.WrapDevicePointer<float>(0, 4));
    }

    [RequiresCudaFact]
    public void AllocateFreeLoopAndDisposeLeaveNoTrace()
    {
        var cuda = CudaAccelerator.Create();
        long bytes = cuda.AllocatedBytes;
        for (int i = 0; i < 1000; i++)
        {
            using var buffer = cuda.Allocate<float>(1 + i % 97 * 1024);
        }
        Assert.Equal(bytes, cuda.AllocatedBytes);
        var kept = cuda.Allocate<float>(100);
        cuda.Dispose();
        Assert.True(kept.IsDisposed);
        Assert.Equal(0, cuda.LiveBufferCount);
    }
}
