using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Kernels.Parity;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>FlashAttention prefill beyond the parity table (kernels/Attention/AttentionPrefillParity.cs): the 256-bit CPU path, chunking against one shot, the window's edge.</summary>
public sealed class AttentionPrefillTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    [Theory]
    [InlineData("T100 GQA8 hd128 W16"), InlineData("T40 GQA4 hd128 W12 chunks of 7 logits ~1e3"), InlineData("T60 GQA4 hd64 W16 chunks of 3"), InlineData("T37 hd16 W20")]
    public void Prefill_group_body_matches_reference_on_its_256_bit_path(string name)
    {
        // The 512-bit loops run wherever AVX-512 exists; pin the AVX2 ones once (either is correct, so tests running meanwhile are unaffected).
        bool previous = AttentionCpuBody.AllowAvx512;
        AttentionCpuBody.AllowAvx512 = false;
        try
        {
            var result = ParityTable.Find(AttentionPrefillParity.KernelRowId(name, "cpu-shaped")).Run(backends.Get("cpu"), "cpu");
            ParityAssert.Passed(result);
        }
        finally
        {
            AttentionCpuBody.AllowAvx512 = previous;
        }
    }

    [Fact]
    public void Chunked_prefill_reproduces_one_shot_prefill()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        var whole = new AttentionCase(8, 2, 32, 41, 9, 9);
        float[] q = whole.Queries(), k = whole.Keys(), v = whole.Values();
        float[] oneShot = AttentionRunner.Prefill(accelerator, whole, q, k, v);
        foreach (int chunk in new[] { 1, 3, 8, 20 })
        {
            float[] chunked = AttentionRunner.Prefill(accelerator, whole with { Chunk = chunk }, q, k, v);
            // Same kernel, same keys; only the key-tile boundaries (hence the online-softmax rescaling order) move.
            ParityAssert.Close(ParityData.Widen(oneShot), chunked, 2e-6, 2e-6, $"chunks of {chunk}");
        }
    }

    [Fact]
    public void Window_is_W_keys_not_W_plus_1()
    {
        // One-hot values make the output the exact weight on the oldest key: it must be zero for W keys.
        var accelerator = backends.Get(BackendKind.Cpu);
        var c = new AttentionCase(1, 1, 16, 10, 4, 4);
        float[] q = new float[c.Tokens * 16], k = new float[c.Tokens * 16], v = new float[c.Tokens * 16];
        for (int t = 0; t < c.Tokens; t++) v[t * 16 + t] = 1f;
        float[] output = AttentionRunner.Prefill(accelerator, c, q, k, v);
        for (int t = 0; t < c.Tokens; t++)
            for (int j = 0; j < c.Tokens; j++)
            {
                float expected = j <= t && j > t - 4 ? 1f / Math.Min(t + 1, 4) : 0f;
                Assert.True(Math.Abs(output[t * 16 + j] - expected) < 1e-6, $"query {t}, key {j}: {output[t * 16 + j]} vs {expected}");
            }
    }
}
