using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>RoPE's frequency table and argument checks (its parity rows are in kernels/Attention/RopeParity.cs).</summary>
public sealed class RopeTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    [Theory]
    [InlineData(16, 10000f)]
    [InlineData(128, 10000f)]
    [InlineData(128, 1e6f)]
    public void Table_is_theta_to_the_minus_2i_over_d(int headDim, float theta)
    {
        float[] table = RopeTable.ComputeInverseFrequencies(headDim, theta);
        Assert.Equal(headDim / 2, table.Length);
        Assert.Equal(1f, table[0]);
        for (int i = 0; i < table.Length; i++)
        {
            double exact = Math.Pow(theta, -2.0 * i / headDim);
            // fp32 powf then a division: within a few ulp of the exact value.
            Assert.True(Math.Abs(table[i] - exact) <= 4e-7 * exact, $"i={i}: {table[i]} vs {exact}");
        }
        using var table2 = RopeTable.Create(backends.Get(BackendKind.Cpu), headDim, theta);
        Assert.Equal(table, table2.InverseFrequencies.ToArray());
    }

    [Fact]
    public void Rope_rejects_bad_arguments_naming_them()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        using var q = accelerator.Allocate<float>(4 * 6 * 16);
        using var k = accelerator.Allocate<float>(4 * 4 * 16);
        using var table = RopeTable.Create(accelerator, 16, 10000f);
        Assert.Equal("nHeads", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Rope(accelerator, q, k, table, 4, 0, 6, 4, 16)).ParamName);
        Assert.Equal("startPos", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Rope(accelerator, q, k, table, 4, -1, 4, 4, 16)).ParamName);
        Assert.Equal("table", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Rope(accelerator, q, k, table, 4, 0, 4, 4, 32)).ParamName);
        using var shortK = accelerator.Allocate<float>(4 * 4 * 16 - 1);
        Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Rope(accelerator, q, shortK, table, 4, 0, 4, 4, 16)).ParamName);
        Assert.Equal("q", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Rope(accelerator, q, k, table, 7, 0, 4, 4, 16)).ParamName);
        Assert.Equal("headDim", Assert.ThrowsAny<ArgumentException>(() => RopeTable.Create(accelerator, 15, 10000f)).ParamName);
    }
}
