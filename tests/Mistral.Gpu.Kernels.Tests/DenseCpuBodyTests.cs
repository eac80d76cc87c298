using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Mistral.Gpu.Kernels.Parity;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The CPU group bodies of the dense products against the kernels' own lanes: the same partial sums in the same
/// order, so bit for bit, over ragged K (tails past the 16-blocks), ragged N and token tiles. The lanes themselves
/// are checked against a double reference in MatMulDenseTests.
/// </summary>
public sealed class DenseCpuBodyTests
{
    public static TheoryData<WeightFormat, int, int, int> Shapes() => new()
    {
        { WeightFormat.Fp32, 70, 172, 1 },
        { WeightFormat.Fp32, 130, 256, 6 },
        { WeightFormat.Fp16, 70, 172, 1 },
        { WeightFormat.Fp16, 65, 4096, 1 },
        { WeightFormat.Fp16, 33, 100, 9 },
    };

    private static float[] Run(bool groupBodies, WeightFormat format, float[] w, float[] x, int n, int k, int tokens)
    {
        using var accelerator = new CpuAccelerator(useGroupBodies: groupBodies);
        using var weights = LinearWeights.Upload(accelerator, w, n, k, format);
        using var dx = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>(tokens * n);
        MistralKernels.MatMul(accelerator, weights, dx, y, tokens);
        return y.ToArray();
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Group_body_equals_lanes_bit_for_bit(WeightFormat format, int n, int k, int tokens)
    {
        float[] w = ParityData.Random((long)n * k, 7, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 8);
        Assert.Equal(Run(false, format, w, x, n, k, tokens), Run(true, format, w, x, n, k, tokens));
    }
}
