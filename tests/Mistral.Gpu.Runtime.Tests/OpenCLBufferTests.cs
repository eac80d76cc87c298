using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class OpenCLBufferTests
{
    [RequiresOpenCLFact]
    public void NewBuffersAreZero()
    {
        using var accelerator = OpenCLAccelerator.Create();
        using var odd = accelerator.Allocate<byte>(13);
        using var floats = accelerator.Allocate<float>(1001);
        Assert.All(odd.ToArray(), b => Assert.Equal(0, b));
        Assert.All(floats.ToArray(), f => Assert.Equal(0f, f));
    }

    [RequiresOpenCLFact]
    public void UploadDownloadRoundTripsWithOffsets()
    {
        using var accelerator = OpenCLAccelerator.Create();
        var data = Enumerable.Range(0, 1000).Select(i => i * 0.5f - 7f).ToArray();
        using var buffer = accelerator.Upload<float>(data);
        Assert.Equal(data, buffer.ToArray());

        buffer.CopyFrom(new float[] { 42f, 43f, 44f }, offset: 997);
        var tail = new float[5];
        buffer.CopyTo(tail, offset: 995);
        Assert.Equal(new[] { data[995], data[996], 42f, 43f, 44f }, tail);

        var middle = new float[10];
        buffer.CopyTo(middle, offset: 500);
        Assert.Equal(data.AsSpan(500, 10).ToArray(), middle);

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.CopyTo(new float[4], offset: 997));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.CopyFrom(new float[2], offset: -1));
    }

    [RequiresOpenCLFact]
    public void OtherElementTypesRoundTrip()
    {
        using var accelerator = OpenCLAccelerator.Create();
        var halves = Enumerable.Range(0, 257).Select(i => (Half)(i / 8f)).ToArray();
        using var h = accelerator.Upload<Half>(halves);
        Assert.Equal(halves, h.ToArray());
        var longs = new[] { long.MinValue, -1L, 0L, long.MaxValue };
        using var l = accelerator.Upload<long>(longs);
        Assert.Equal(longs, l.ToArray());
    }

    [RequiresOpenCLFact]
    public void ForeignClMemIsNotReleasedByItsWrapper()
    {
        using var accelerator = OpenCLAccelerator.Create();
        nint mem = HostOpenCL.CreateBuffer(accelerator.NativeContext, 64 * sizeof(float));
        try
        {
            using (var wrapped = accelerator.WrapBuffer<float>(mem, 64))
            {
                Assert.False(wrapped.OwnsMemory);
                Assert.Equal(0, accelerator.AllocatedBytes);
                Assert.Equal(1, accelerator.LiveBufferCount);
                wrapped.CopyFrom(Enumerable.Range(0, 64).Select(i => (float)i).ToArray());
                accelerator.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(64, 32), [KernelArgument.From<float>(wrapped), KernelArgument.From(1f)]);
            }
            Assert.Equal(0, accelerator.LiveBufferCount);
            // The cl_mem must still be alive: wrap it again and read what the kernel wrote.
            using var again = accelerator.WrapBuffer<float>(mem, 64);
            Assert.Equal(Enumerable.Range(1, 64).Select(i => (float)i), again.ToArray());
        }
        finally
        {
            Assert.Equal(0, HostOpenCL.ReleaseMemObject(mem));
        }
    }

    [RequiresOpenCLFact]
    public void WrappingRejectsTooSmallOrNullMemory()
    {
        using var accelerator = OpenCLAccelerator.Create();
        nint mem = HostOpenCL.CreateBuffer(accelerator.NativeContext, 16);
        try
        {
            var tooBig = Assert.Throws<ArgumentException>(() => accelerator.WrapBuffer<float>(mem, 5));
            Assert.Equal("clMem", tooBig.ParamName);
            Assert.Throws<ArgumentException>(() => accelerator.WrapBuffer<float>(0, 4));
        }
        finally
        {
            HostOpenCL.ReleaseMemObject(mem);
        }
    }

    [RequiresOpenCLFact]
    public void AcceleratorOnAHostContextNeverReleasesIt()
    {
        nint context, queue, device;
        using (var owner = OpenCLAccelerator.Create())
        {
            device = owner.NativeDevice;
            context = HostOpenCL.CreateContext(device);
            queue = HostOpenCL.CreateQueue(context, device);
        }
        try
        {
            using (var borrowed = OpenCLAccelerator.FromExisting(context, queue, device))
            {
                using var buffer = borrowed.Upload<float>(new float[] { 1, 2, 3 });
                borrowed.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(3, 4), [KernelArgument.From<float>(buffer), KernelArgument.From(0.5f)]);
                Assert.Equal(new[] { 1.5f, 2.5f, 3.5f }, buffer.ToArray());
            }
            // Still usable after the accelerator is gone: both handles were only borrowed.
            nint mem = HostOpenCL.CreateBuffer(context, 16);
            Assert.Equal(0, HostOpenCL.ReleaseMemObject(mem));
            Assert.Equal(0, HostOpenCL.Finish(queue));
        }
        finally
        {
            HostOpenCL.ReleaseCommandQueue(queue);
            HostOpenCL.ReleaseContext(context);
        }
    }
}
