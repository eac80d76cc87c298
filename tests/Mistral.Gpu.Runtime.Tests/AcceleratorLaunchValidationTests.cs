using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>Bad launch input fails on the host with an ArgumentException naming the parameter, before anything is compiled or run.</summary>
public sealed class AcceleratorLaunchValidationTests
{
    [Fact]
    public void CpuRejectsBadInputBeforeRunning() => RejectsBadInputBeforeRunning(new CpuAccelerator(), compiledVariants: null);

    [RequiresOpenCLFact]
    public void OpenCLRejectsBadInputBeforeRunning()
    {
        var accelerator = OpenCLAccelerator.Create();
        RejectsBadInputBeforeRunning(accelerator, () => accelerator.CompiledVariantCount);
    }

    private static void RejectsBadInputBeforeRunning(Accelerator accelerator, Func<int>? compiledVariants)
    {
        using (accelerator)
        using (var other = new CpuAccelerator())
        {
            using var x = accelerator.Upload<float>(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 });
            using var y = accelerator.Upload<float>(new float[] { 10, 20, 30, 40, 50, 60, 70, 80 });
            using var ints = accelerator.Allocate<int>(8);
            using var foreign = other.Allocate<float>(8);
            var dims = LaunchDims.ForElements(8, 8);

            void Expect(string parameter, params KernelArgument[] arguments)
            {
                var error = Assert.ThrowsAny<ArgumentException>(() => accelerator.Launch(HandWrittenKernels.Axpy, dims, arguments));
                Assert.Equal(parameter, error.ParamName);
            }

            // Too short for n = 8, caught by the kernel's validator.
            Expect("y", KernelArgument.From<float>(x), KernelArgument.From(y.Slice(0, 5)), KernelArgument.From(2f), KernelArgument.From(8));
            // Wrong element type, through the untyped factory.
            Expect("x", KernelArgument.FromBuffer(ints), KernelArgument.From<float>(y), KernelArgument.From(2f), KernelArgument.From(8));
            // Null buffer.
            Expect("y", KernelArgument.From<float>(x), KernelArgument.FromBuffer(null), KernelArgument.From(2f), KernelArgument.From(8));
            // A buffer of another accelerator.
            Expect("x", KernelArgument.From<float>(foreign), KernelArgument.From<float>(y), KernelArgument.From(2f), KernelArgument.From(8));
            // A scalar of the wrong type.
            Expect("n", KernelArgument.From<float>(x), KernelArgument.From<float>(y), KernelArgument.From(2f), KernelArgument.From(8L));

            Assert.Equal(new float[] { 10, 20, 30, 40, 50, 60, 70, 80 }, y.ToArray());
            if (compiledVariants is not null) Assert.Equal(0, compiledVariants());

            // The same launch with good input runs.
            accelerator.Launch(HandWrittenKernels.Axpy, dims, [KernelArgument.From<float>(x), KernelArgument.From<float>(y), KernelArgument.From(2f), KernelArgument.From(8)]);
            Assert.Equal(new float[] { 12, 24, 36, 48, 60, 72, 84, 96 }, y.ToArray());
        }
    }
}
