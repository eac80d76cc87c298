using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The FLOP/s probe must really do its multiply-adds: each lane's sum against a scalar reference, on the CPU lanes, the CPU group body and OpenCL.</summary>
public sealed class FmaThroughputTests
{
    private const int Lanes = 512, Iterations = 300;
    private const float A = 1f - 1f / (1 << 20), B = 1f / (1 << 20);

    private static float[] Reference()
    {
        var sums = new float[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            float start = 1f + lane * 0.0001f;
            var x = new[] { start, start + 0.125f, start + 0.25f, start + 0.375f, start + 0.5f, start + 0.625f, start + 0.75f, start + 0.875f };
            for (int i = 0; i < Iterations; i++)
                for (int j = 0; j < 8; j++) x[j] = MathF.FusedMultiplyAdd(x[j], A, B);
            sums[lane] = x[0] + x[1] + x[2] + x[3] + x[4] + x[5] + x[6] + x[7];
        }
        return sums;
    }

    private static float[] Run(Accelerator accelerator)
    {
        using var sums = accelerator.Allocate<float>(Lanes);
        FmaThroughputKernels.FmaThroughputKernel.Launch(accelerator, new LaunchDims(Lanes / 64, 64), sums, Iterations, A, B);
        accelerator.Synchronize();
        return sums.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cpu_sums_are_bit_exact(bool groupBodies)
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: groupBodies);
        Assert.Equal(Reference(), Run(accelerator));
    }

    /// <summary>-cl-mad-enable may fuse the start value's multiply-add (one rounding of ~1e-7 relative), nothing else.</summary>
    [RequiresOpenCLTheory, InlineData("opencl")]
    public void OpenCL_sums_match(string backend) => MatMulBackends.With(backend, accelerator =>
    {
        var expected = Reference();
        var actual = Run(accelerator);
        for (int i = 0; i < Lanes; i++) Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f * Math.Abs(expected[i]), $"lane {i}: {actual[i]} vs {expected[i]}");
    });
}
