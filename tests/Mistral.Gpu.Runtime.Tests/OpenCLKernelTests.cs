using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class OpenCLKernelTests
{
    [RequiresOpenCLFact]
    public void BrokenSourceRaisesCompilationErrorWithTheDriversLogAndTheKernelName()
    {
        using var accelerator = OpenCLAccelerator.Create();
        var error = Assert.Throws<KernelCompilationException>(() => accelerator.Compile(HandWrittenKernels.Broken, []));
        Assert.Equal(BackendKind.OpenCL, error.Backend);
        Assert.Equal("HandWritten.Broken", error.Kernel);
        Assert.Contains("HandWritten.Broken", error.Log);
        Assert.Contains("CL_BUILD_PROGRAM_FAILURE", error.Log);
        // The driver's own diagnostic (clang's, under PoCL) names the offending identifier.
        Assert.Contains("undeclared_identifier_42", error.Log);
        Assert.Contains("HandWritten.Broken", error.Message);
    }

    [RequiresOpenCLFact]
    public void HandWrittenKernelRunsOnAWindowOfABuffer()
    {
        using var accelerator = OpenCLAccelerator.Create();
        using var buffer = accelerator.Upload<float>(Enumerable.Range(0, 100).Select(i => (float)i).ToArray());
        // 37 elements from 50: groups of 16 overshoot, so the kernel's bound check on the window length matters.
        accelerator.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(37, 16), [KernelArgument.From(buffer.Slice(50, 37)), KernelArgument.From(1000f)]);
        var result = buffer.ToArray();
        for (int i = 0; i < 100; i++)
            Assert.Equal(i is >= 50 and < 87 ? i + 1000f : i, result[i]);
    }

    [RequiresOpenCLFact]
    public void HandWrittenKernelAgreesWithTheCpuBackend()
    {
        var x = Enumerable.Range(0, 333).Select(i => MathF.Sin(i)).ToArray();
        var y = Enumerable.Range(0, 333).Select(i => MathF.Cos(i)).ToArray();
        float[] Run(Accelerator accelerator)
        {
            using var bx = accelerator.Upload<float>(x);
            using var by = accelerator.Upload<float>(y);
            accelerator.Launch(HandWrittenKernels.Axpy, LaunchDims.ForElements(300, 64),
                [KernelArgument.From(bx.Slice(33, 300)), KernelArgument.From(by.Slice(3, 300)), KernelArgument.From(2.5f), KernelArgument.From(300)]);
            return by.ToArray();
        }
        using var cpu = new Cpu.CpuAccelerator();
        using var opencl = OpenCLAccelerator.Create();
        var expected = Run(cpu);
        var actual = Run(opencl);
        for (int i = 0; i < expected.Length; i++)
            // One fused multiply-add (mad-enable) versus a separate multiply and add: at most one rounding apart.
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-6f * MathF.Max(1f, MathF.Abs(expected[i])), $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [RequiresOpenCLFact]
    public void ScalarsOfEveryTypeArriveInOrderAndSpecializationsSelectVariants()
    {
        using var accelerator = OpenCLAccelerator.Create();
        using var output = accelerator.Allocate<double>(8);
        foreach (int scale in new[] { 1, 10, 1, 10 })
        {
            accelerator.Launch(HandWrittenKernels.Scalars, new LaunchDims(1, 1),
            [
                KernelArgument.From(output.Slice(2, 5)), KernelArgument.From(-7), KernelArgument.From(4_000_000_000u),
                KernelArgument.From(-9_000_000_000L), KernelArgument.From(1.25f), KernelArgument.From(Math.PI), KernelArgument.From(scale),
            ]);
            Assert.Equal(new[] { 0, 0, -7.0 * scale, 4_000_000_000.0, -9_000_000_000.0, 1.25, Math.PI, 0 }, output.ToArray());
        }
        Assert.Equal(2, accelerator.CompiledVariantCount);
    }

    [RequiresOpenCLFact]
    public void TimingEventsMeasurePositiveDurations()
    {
        using var accelerator = OpenCLAccelerator.Create();
        using var buffer = accelerator.Allocate<float>(1 << 20);
        var args = new[] { KernelArgument.From<float>(buffer), KernelArgument.From(1f) };
        accelerator.Compile(HandWrittenKernels.AddScalar, []);
        using var start = accelerator.DefaultStream.Record();
        for (int i = 0; i < 5; i++) accelerator.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(buffer.Length, 256), args);
        using var end = accelerator.DefaultStream.Record();
        double milliseconds = end.MillisecondsSince(start);
        Assert.True(milliseconds > 0 && milliseconds < 60_000, $"{milliseconds} ms");
        Assert.Equal(5f, buffer.ToArray()[12345]);
    }

    [RequiresOpenCLFact]
    public void CreatedStreamsRunKernelsAndTimeThem()
    {
        using var accelerator = OpenCLAccelerator.Create();
        using var buffer = accelerator.Allocate<float>(4096);
        using var stream = accelerator.CreateStream();
        Assert.NotEqual(accelerator.DefaultStream.NativeHandle, stream.NativeHandle);
        using var start = stream.Record();
        accelerator.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(4096, 64), [KernelArgument.From<float>(buffer), KernelArgument.From(3f)], stream);
        using var end = stream.Record();
        Assert.True(end.MillisecondsSince(start) > 0);
        stream.Synchronize();
        Assert.All(buffer.ToArray(), v => Assert.Equal(3f, v));
    }

    [RequiresOpenCLFact]
    public void StreamOfAnotherAcceleratorIsRejected()
    {
        using var a = OpenCLAccelerator.Create();
        using var b = OpenCLAccelerator.Create();
        using var buffer = a.Allocate<float>(4);
        var error = Assert.Throws<ArgumentException>(() =>
            a.Launch(HandWrittenKernels.AddScalar, LaunchDims.ForElements(4, 4), [KernelArgument.From<float>(buffer), KernelArgument.From(1f)], b.DefaultStream));
        Assert.Equal("stream", error.ParamName);
    }
}
