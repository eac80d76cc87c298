using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class AcceleratorLifetimeTests
{
    [Fact]
    public void CpuDisposeFreesEveryBuffer() => DisposeFreesEveryBuffer(new CpuAccelerator());

    [RequiresOpenCLFact]
    public void OpenCLDisposeFreesEveryBuffer() => DisposeFreesEveryBuffer(OpenCLAccelerator.Create());

    [Fact]
    public void CpuAllocateFreeLoopLeavesNoTrace() => AllocateFreeLoopLeavesNoTrace(new CpuAccelerator());

    [RequiresOpenCLFact]
    public void OpenCLAllocateFreeLoopLeavesNoTrace() => AllocateFreeLoopLeavesNoTrace(OpenCLAccelerator.Create());

    [RequiresOpenCLFact]
    public void DisposedOpenCLAcceleratorRefusesWork()
    {
        var accelerator = OpenCLAccelerator.Create();
        using var stream = accelerator.CreateStream();
        accelerator.Dispose();
        accelerator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => accelerator.Allocate<float>(4));
        Assert.Throws<ObjectDisposedException>(() => accelerator.CreateStream());
        Assert.Throws<ObjectDisposedException>(() => accelerator.Compile(HandWrittenKernels.AddScalar, []));
        Assert.Throws<ObjectDisposedException>(() => stream.Synchronize());
    }

    private static void DisposeFreesEveryBuffer(Accelerator accelerator)
    {
        var buffers = new DeviceBuffer[] { accelerator.Allocate<float>(100), accelerator.Allocate<int>(7), accelerator.Upload<double>(new double[] { 1, 2 }) };
        Assert.Equal(3, accelerator.LiveBufferCount);
        Assert.Equal(400 + 28 + 16, accelerator.AllocatedBytes);
        accelerator.Dispose();
        Assert.All(buffers, b => Assert.True(b.IsDisposed));
        Assert.All(buffers, b => Assert.True(b.Storage.IsClosed));
        Assert.Equal(0, accelerator.LiveBufferCount);
        Assert.Equal(0, accelerator.AllocatedBytes);
        Assert.True(accelerator.IsDisposed);
    }

    private static void AllocateFreeLoopLeavesNoTrace(Accelerator accelerator)
    {
        using (accelerator)
        {
            using var keep = accelerator.Allocate<float>(10);
            long bytes = accelerator.AllocatedBytes;
            int count = accelerator.LiveBufferCount;
            for (int i = 0; i < 1000; i++)
            {
                using var buffer = accelerator.Allocate<float>(1 + i % 97 * 1024);
                if (i % 100 == 0) buffer.CopyFrom(new float[] { i });
            }
            Assert.Equal(bytes, accelerator.AllocatedBytes);
            Assert.Equal(count, accelerator.LiveBufferCount);
        }
    }
}
