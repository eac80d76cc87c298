using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The bandwidth probe must really read every byte it claims: each lane's sum of x ^ y ^ z ^ w over its
/// vectors, against a scalar reference, in both access patterns, on the CPU lanes, the CPU group body and OpenCL.
/// </summary>
public sealed class MemoryReadTests
{
    private const int Lanes = 256, VectorsPerLane = 64;

    private static uint[] Data()
    {
        var random = new Random(3);
        return Enumerable.Range(0, Lanes * VectorsPerLane * 4).Select(_ => (uint)random.Next() ^ ((uint)random.Next() << 16)).ToArray();
    }

    private static uint[] Reference(uint[] data, int laneStride, int stepStride)
    {
        var sums = new uint[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
            for (int i = 0; i < VectorsPerLane; i++)
            {
                int v = 4 * (lane * laneStride + i * stepStride);
                sums[lane] = unchecked(sums[lane] + (data[v] ^ data[v + 1] ^ data[v + 2] ^ data[v + 3]));
            }
        return sums;
    }

    private static void Check(Accelerator accelerator)
    {
        var data = Data();
        using var input = accelerator.Upload<uint>(data);
        using var sums = accelerator.Allocate<uint>(Lanes);
        foreach (var (laneStride, stepStride) in new[] { (VectorsPerLane, 1), (1, Lanes) })
        {
            MemoryReadKernels.MemoryReadKernel.Launch(accelerator, new LaunchDims(Lanes / 64, 64), input, sums, VectorsPerLane, laneStride, stepStride);
            accelerator.Synchronize();
            Assert.Equal(Reference(data, laneStride, stepStride), sums.ToArray());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sums_match_reference_on_cpu(bool groupBodies)
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: groupBodies);
        Check(accelerator);
    }

    [RequiresOpenCLTheory, InlineData("opencl")]
    public void Sums_match_reference_on_opencl(string backend) => MatMulBackends.With(backend, Check);
}
