using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The integer-dot probe must really do its dot products: each lane's sum against a scalar reference, on the CPU lanes and each group-body path.</summary>
[Collection(nameof(Int4Q8MatMulTests))]
public sealed class IntegerDotThroughputTests
{
    private const int Lanes = 512, Iterations = 300;

    /// <summary>
    /// The kernel's arithmetic written plainly: chain j starts at lane + j and adds, per iteration, the products of its
    /// own bytes (unsigned) with the bytes of the lane's b (signed).
    /// </summary>
    private static int[] Reference()
    {
        var sums = new int[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            uint b = 0x01020304u * (uint)(lane & 15) & 0x3F3F3F3Fu;
            int total = 0;
            for (int j = 0; j < 8; j++)
            {
                int d = lane + j;
                for (int i = 0; i < Iterations; i++)
                {
                    int step = 0;
                    for (int byteIndex = 0; byteIndex < 4; byteIndex++)
                        step += (int)((uint)d >> (8 * byteIndex) & 0xFF) * (sbyte)(byte)(b >> (8 * byteIndex));
                    d = unchecked(d + step);
                }
                total += d;
            }
            sums[lane] = total;
        }
        return sums;
    }

    [Theory]
    [InlineData("avx512")]
    [InlineData("vnni512")]
    [InlineData("vnni")]
    [InlineData("avx2")]
    public void Cpu_group_body_sums_are_exact(string path) => Int4Q8MatMulTests.OnCpuPath(path, accelerator => Assert.Equal(Reference(), Run(accelerator)));

    [Fact]
    public void Cpu_lane_sums_are_exact()
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: false);
        Assert.Equal(Reference(), Run(accelerator));
    }

    /// <summary>The translated kernel (OpenCL C) and ILGPU's compile of it: the chains must survive their compilers' loop optimisations.</summary>
    [Fact]
    public void Ilgpu_cpu_lane_sums_are_exact() => MatMulBackends.With("ilgpu-cpu", accelerator => Assert.Equal(Reference(), Run(accelerator)));

    [RequiresOpenCLFact]
    public void Opencl_lane_sums_are_exact() => MatMulBackends.With("opencl", accelerator => Assert.Equal(Reference(), Run(accelerator)));

    private static int[] Run(Accelerator accelerator)
    {
        using var sums = accelerator.Allocate<int>(Lanes);
        IntegerDotThroughputKernels.IntegerDotThroughputKernel.Launch(accelerator, new LaunchDims(Lanes / 64, 64), sums, Iterations);
        accelerator.Synchronize();
        return sums.ToArray();
    }
}
