using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>RoPE against the scalar reference on every backend.</summary>
public sealed class RopeTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    /// <summary>(tokens, startPos, nHeads, nKvHeads, headDim, theta).</summary>
    private static readonly Dictionary<string, (int Tokens, int StartPos, int Heads, int KvHeads, int HeadDim, float Theta)> Cases = new()
    {
        ["one token at 0, hd16"] = (1, 0, 4, 4, 16, 10000f),
        ["7 tokens from 3, GQA 4, hd64"] = (7, 3, 8, 2, 64, 10000f),
        ["33 tokens from 4000, GQA 8, hd128"] = (33, 4000, 8, 1, 128, 10000f),
        ["5 tokens from 100000, hd32, theta 1e6"] = (5, 100000, 2, 1, 32, 1e6f),
        ["100 tokens, hd128, theta 1e6"] = (100, 17, 2, 2, 128, 1e6f),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void Rope_matches_reference_on_cpu(string name) => Check(BackendKind.Cpu, name);

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Rope_matches_reference_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    private void Check(BackendKind kind, string name)
    {
        var (tokens, startPos, heads, kvHeads, headDim, theta) = Cases[name];
        var accelerator = backends.Get(kind);
        float[] q = AttentionReference.Random(tokens * heads * headDim, 1);
        float[] k = AttentionReference.Random(tokens * kvHeads * headDim, 2);
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var table = RopeTable.Create(accelerator, headDim, theta);
        MistralKernels.Rope(accelerator, qBuffer, kBuffer, table, tokens, startPos, heads, kvHeads, headDim);
        // Tolerance 2e-6 + 2e-6·|x|: the angle is formed in fp32 on both sides (bit-identical), so what remains is
        // cos/sin within a few ulp and the fp32 rounding (or FMA contraction) of the two-term rotation, ~1e-7 for
        // |x| <= 1. A float64 angle instead would be off by up to ~2e-4 at position 4000, far outside this.
        AttentionReference.AssertClose(AttentionReference.Widen(AttentionReference.Rope(q, tokens, heads, headDim, startPos, theta)),
            qBuffer.ToArray(), 2e-6, 2e-6, $"{name}: q");
        AttentionReference.AssertClose(AttentionReference.Widen(AttentionReference.Rope(k, tokens, kvHeads, headDim, startPos, theta)),
            kBuffer.ToArray(), 2e-6, 2e-6, $"{name}: k");
    }

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
