using Mistral.Gpu.Roofline;
using Xunit;

namespace Mistral.Gpu.Bench.Tests;

/// <summary>
/// Each kernel's bytes and FLOPs against values worked out by hand (the arithmetic is in the
/// comments) at Mistral 7B's shapes: dim 4096, 32/8 heads of 128, FFN 14336, vocab 32000.
/// </summary>
public class KernelCostsTests
{
    private static readonly WeightEncoding Int4 = WeightEncoding.Int4(32);

    [Fact]
    public void Int4_is_half_a_byte_per_weight_plus_an_fp16_scale_per_group()
    {
        Assert.Equal(0.5625, Int4.BytesPerWeight);
        // 2 rows x 40 weights: 80 nibbles = 40 bytes; ceil(40/32) = 2 groups per row x 2 rows x 2 bytes = 8.
        Assert.Equal(48, Int4.BytesFor(2, 40));
        Assert.Equal(2 * 4096L * 4096, WeightEncoding.Fp16.BytesFor(4096, 4096));
        Assert.Equal(4 * 10L * 3, WeightEncoding.Fp32.BytesFor(10, 3));
        Assert.Equal(Int4, WeightEncoding.Parse("int4"));
        Assert.Equal(64, WeightEncoding.Parse("INT4/64").GroupSize);
        Assert.Throws<ArgumentException>(() => WeightEncoding.Parse("int3"));
    }

    [Fact]
    public void Decode_query_projection_gemv_int4()
    {
        var cost = KernelCosts.MatMul(tokens: 1, n: 4096, k: 4096, Int4);
        // weights 4096*4096/2 = 8,388,608 + scales 4096*128*2 = 1,048,576; x 4096*4 = 16,384.
        Assert.Equal(8_388_608 + 1_048_576 + 16_384, cost.BytesRead);
        Assert.Equal(16_384, cost.BytesWritten);
        Assert.Equal(33_554_432, cost.Flops);
        Assert.Equal("MatMul (GEMV)", cost.Kernel);
    }

    [Fact]
    public void Decode_ffn_up_projection_gemv_int4()
    {
        var cost = KernelCosts.MatMul(1, 14336, 4096, Int4);
        // 14336*4096/2 = 29,360,128 + 14336*128*2 = 3,670,016 + x 16,384.
        Assert.Equal(29_360_128 + 3_670_016 + 16_384, cost.BytesRead);
        Assert.Equal(14336 * 4, cost.BytesWritten);
        Assert.Equal(2.0 * 14336 * 4096, cost.Flops);
    }

    [Fact]
    public void Decode_fused_gate_up_gemv_with_swiglu_int4()
    {
        var cost = KernelCosts.GemvSwiGlu(14336, 4096, Int4);
        // Both halves' weights: 2 * (29,360,128 + 3,670,016) = 66,060,288, + x 16,384; only the 14336 products written.
        Assert.Equal(66_060_288 + 16_384, cost.BytesRead);
        Assert.Equal(14336 * 4, cost.BytesWritten);
        // 2 * 28672 * 4096 = 234,881,024 multiply-add FLOPs + 5 * 14336 = 71,680 for SwiGLU.
        Assert.Equal(234_952_704, cost.Flops);
        Assert.Equal("MatMul (GEMV+SwiGLU)", cost.Kernel);
    }

    [Fact]
    public void Prefill_gemm_counts_weights_once_and_every_token()
    {
        var cost = KernelCosts.MatMul(128, 4096, 4096, WeightEncoding.Fp16);
        // fp16 weights 33,554,432 + x 128*4096*4 = 2,097,152; y the same; 2*128*4096*4096 FLOPs.
        Assert.Equal(33_554_432 + 2_097_152, cost.BytesRead);
        Assert.Equal(2_097_152, cost.BytesWritten);
        Assert.Equal(4_294_967_296, cost.Flops);
        Assert.Equal("MatMul (GEMM)", cost.Kernel);
        Assert.Equal(4_294_967_296.0 / (35_651_584 + 2_097_152), cost.ArithmeticIntensity, 12);
    }

    [Fact]
    public void Norms()
    {
        var norm = KernelCosts.RmsNorm(1, 4096);
        Assert.Equal((4096 + 4096) * 4, norm.BytesRead);
        Assert.Equal(4096 * 4, norm.BytesWritten);
        Assert.Equal(4 * 4096, norm.Flops);

        var fused = KernelCosts.RmsNormResidual(2, 4096);
        // reads residual and delta (2 x 8192 floats) and the weight (4096); writes residual and output.
        Assert.Equal((2 * 8192 + 4096) * 4, fused.BytesRead);
        Assert.Equal(2 * 8192 * 4, fused.BytesWritten);
        Assert.Equal(5 * 8192, fused.Flops);
    }

    [Fact]
    public void SwiGlu_reads_two_writes_one()
    {
        var cost = KernelCosts.SwiGlu(14336);
        Assert.Equal(114_688, cost.BytesRead);
        Assert.Equal(57_344, cost.BytesWritten);
        Assert.Equal(71_680, cost.Flops);
    }

    [Fact]
    public void Rope_rotates_q_and_k_in_place()
    {
        var cost = KernelCosts.Rope(1, 32, 8, 128);
        // (32 + 8) * 128 = 5,120 floats in and out, plus 64 inverse frequencies; 6 FLOPs per pair.
        Assert.Equal(5120 * 4 + 64 * 4, cost.BytesRead);
        Assert.Equal(5120 * 4, cost.BytesWritten);
        Assert.Equal(2560 * 6, cost.Flops);
    }

    [Fact]
    public void Kv_cache_write_keeps_only_the_last_window()
    {
        var cost = KernelCosts.KvCacheWrite(5000, 8, 128, 4096);
        Assert.Equal(2L * 4096 * 8 * 128 * 4, cost.BytesWritten);
        Assert.Equal(cost.BytesWritten, cost.BytesRead);
        Assert.Equal(0, cost.Flops);
        Assert.Equal(2L * 3 * 8 * 128 * 4, KernelCosts.KvCacheWrite(3, 8, 128, 4096).BytesWritten);
    }

    [Fact]
    public void Decode_attention_grows_with_context_until_the_window()
    {
        var early = KernelCosts.AttentionDecode(32, 8, 128, 4096, position: 511);
        // 512 keys: q 16,384 bytes + K and V 2 * 512 * 8 * 128 * 4 = 4,194,304; 4 * 32 * 512 * 128 FLOPs.
        Assert.Equal(16_384 + 4_194_304, early.BytesRead);
        Assert.Equal(16_384, early.BytesWritten);
        Assert.Equal(8_388_608, early.Flops);

        var late = KernelCosts.AttentionDecode(32, 8, 128, 4096, position: 16383);
        var atWindow = KernelCosts.AttentionDecode(32, 8, 128, 4096, position: 4095);
        Assert.Equal(16_384 + 33_554_432, late.BytesRead);
        Assert.Equal(67_108_864, late.Flops);
        Assert.Equal(atWindow.BytesRead, late.BytesRead);
        Assert.Equal(atWindow.Flops, late.Flops);
    }

    [Fact]
    public void Fp16_cache_halves_the_cached_bytes_only()
    {
        // Decode at 4095 with an fp16 cache: q 16,384 bytes + K and V 2 * 4096 * 8 * 128 * 2; the same FLOPs.
        var decode = KernelCosts.AttentionDecode(32, 8, 128, 4096, position: 4095, cacheBytes: 2);
        Assert.Equal(16_384 + 16_777_216, decode.BytesRead);
        Assert.Equal(KernelCosts.AttentionDecode(32, 8, 128, 4096, 4095).Flops, decode.Flops);
        Assert.Equal(decode.BytesRead, KernelCosts.AttentionDecode(32, 8, 128, 4096, 32767, cacheBytes: 2).BytesRead);
        Assert.EndsWith("fp16 cache", decode.Shape);
        // The write reads fp32 k/v and writes halves.
        var write = KernelCosts.KvCacheWrite(1, 8, 128, 4096, cacheBytes: 2);
        Assert.Equal(2 * 8 * 128 * 4, write.BytesRead);
        Assert.Equal(2 * 8 * 128 * 2, write.BytesWritten);
        // Prefill of 3 tokens at 10, window 4: the chunk's own k/v in fp32, the 3 cached rows in fp16.
        var prefill = KernelCosts.AttentionPrefill(2, 1, 4, window: 4, tokens: 3, startPos: 10, cacheBytes: 2);
        Assert.Equal(3 * 2 * 4 * 4 + 2 * 3 * 1 * 4 * 4 + 2 * 3 * 1 * 4 * 2, prefill.BytesRead);
    }

    [Fact]
    public void Prefill_attention_counts_each_querys_own_keys()
    {
        // heads 2/1, head_dim 4, window 2, from position 0: keys per query 1, 2, 2, 2 = 7.
        var first = KernelCosts.AttentionPrefill(2, 1, 4, window: 2, tokens: 4, startPos: 0);
        Assert.Equal(4 * 2 * 4 * 7, first.Flops);
        Assert.Equal(4 * 2 * 4 * 4 + 2 * 4 * 1 * 4 * 4, first.BytesRead);
        Assert.Equal(4 * 2 * 4 * 4, first.BytesWritten);

        // window 4, from position 10: 4 keys each; 3 cached rows (positions 7..9) are still in the first query's window.
        var later = KernelCosts.AttentionPrefill(2, 1, 4, window: 4, tokens: 3, startPos: 10);
        Assert.Equal(4 * 2 * 4 * 12, later.Flops);
        Assert.Equal(3 * 2 * 4 * 4 + 2 * (3 + 3) * 1 * 4 * 4, later.BytesRead);

        // Full attention (window = int.MaxValue) is plain causal: 1 + 2 + 3 keys.
        Assert.Equal(4 * 1 * 4 * 6, KernelCosts.AttentionPrefill(1, 1, 4, int.MaxValue, 3, 0).Flops);
    }

    [Fact]
    public void Embedding_and_argmax_move_bytes_without_flops()
    {
        var embed = KernelCosts.Embedding(3, 4096);
        Assert.Equal(12 + 3 * 4096 * 4, embed.BytesRead);
        Assert.Equal(3 * 4096 * 4, embed.BytesWritten);
        Assert.Equal(0, embed.Flops);
        Assert.Equal(0, embed.ArithmeticIntensity);

        var argmax = KernelCosts.Argmax(1, 32000);
        Assert.Equal(128_000, argmax.BytesRead);
        Assert.Equal(4, argmax.BytesWritten);
    }

    [Fact]
    public void Memory_probe_reads_16_bytes_a_vector()
    {
        var cost = KernelCosts.MemoryRead(vectors: 1 << 20, lanes: 4096);
        Assert.Equal(16L << 20, cost.BytesRead);
        Assert.Equal(4096 * 4, cost.BytesWritten);
    }

    [Fact]
    public void Mistral_7b_int4_linear_weights_are_about_4_GB()
    {
        // Per layer: q, o 4096x4096; k, v 1024x4096; w1, w3 14336x4096; w2 4096x14336. Plus the 32000x4096 output.
        long perLayer = Int4.BytesFor(4096, 4096) * 2 + Int4.BytesFor(1024, 4096) * 2 + Int4.BytesFor(14336, 4096) * 3;
        long total = perLayer * 32 + Int4.BytesFor(32000, 4096);
        // 7,110,393,856 weights x 0.5625 bytes.
        Assert.Equal(3_999_596_544, total);
    }

    [Fact]
    public void Times_scales_every_count()
    {
        var cost = KernelCosts.SwiGlu(10).Times(32);
        Assert.Equal(32 * 80, cost.BytesRead);
        Assert.Equal(32 * 40, cost.BytesWritten);
        Assert.Equal(32 * 50, cost.Flops);
    }
}
