using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>One attention case: shape, sequence length, chunking, input scale and its tolerance.</summary>
/// <param name="Chunk">Prefill chunk size; 0 = the whole sequence in one call.</param>
/// <param name="InputScale">q and k are uniform in ±InputScale (55 gives logits around 1e3).</param>
public sealed record AttentionCase(int NHeads, int NKvHeads, int HeadDim, int Tokens, int Window, int CacheSlots,
    int Chunk = 0, float InputScale = 1f)
{
    public AttentionShape Shape => new(NHeads, NKvHeads, HeadDim, CacheSlots, Window);

    /// <summary>
    /// Absolute tolerance (plus 1e-4 relative). With inputs in ±1 the outputs are convex combinations of values
    /// in ±1; fp32 dot products of at most 128 terms and the online softmax leave errors of ~1e-7 (measured
    /// 1.6e-7 on the scalar lowering), so 2e-5 keeps two orders of margin for device exp/FMA differences, while a
    /// wrong key (window off by one, wrong GQA head, a dropped tile) moves outputs by 1e-2 or more.
    /// With logits ~1e3 a logit's own fp32 rounding is ~1e-4 absolute and e^(Δlogit) turns it into a relative
    /// change of the weights of the same size (measured 1e-4): 1e-3 there.
    /// </summary>
    public double Tolerance => InputScale > 10 ? 1e-3 : 2e-5;

    public float[] Queries() => AttentionReference.Random(Tokens * NHeads * HeadDim, 11, InputScale);
    public float[] Keys() => AttentionReference.Random(Tokens * NKvHeads * HeadDim, 12, InputScale);
    public float[] Values() => AttentionReference.Random(Tokens * NKvHeads * HeadDim, 13);
}

/// <summary>Runs the attention kernels the way the model runner does.</summary>
public static class AttentionRunner
{
    /// <summary>Prefill of the whole sequence in chunks (attention, then the chunk's cache write), returning [tokens, NHeads, HeadDim].</summary>
    public static float[] Prefill(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var kCache = accelerator.Allocate<float>(shape.CacheElements);
        using var vCache = accelerator.Allocate<float>(shape.CacheElements);
        int chunk = c.Chunk == 0 ? c.Tokens : c.Chunk;
        for (int start = 0; start < c.Tokens; start += chunk)
        {
            int n = Math.Min(chunk, c.Tokens - start);
            var kChunk = kBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            var vChunk = vBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            MistralKernels.AttentionPrefill(accelerator, qBuffer.Slice((long)start * qRow, (long)n * qRow), kChunk, vChunk,
                kCache, vCache, output.Slice((long)start * qRow, (long)n * qRow), shape, n, start);
            MistralKernels.KvCacheWrite(accelerator, kChunk, vChunk, kCache, vCache, shape, n, start);
        }
        return output.ToArray();
    }

    /// <summary>Decodes every position one token at a time (cache write, then decode), returning [tokens, NHeads, HeadDim].</summary>
    public static float[] DecodeAll(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v, int splits = 0)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var kCache = accelerator.Allocate<float>(shape.CacheElements);
        using var vCache = accelerator.Allocate<float>(shape.CacheElements);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        for (int p = 0; p < c.Tokens; p++)
        {
            MistralKernels.KvCacheWrite(accelerator, kBuffer.Slice((long)p * kvRow, kvRow), vBuffer.Slice((long)p * kvRow, kvRow),
                kCache, vCache, shape, 1, p);
            var qRowView = qBuffer.Slice((long)p * qRow, qRow);
            var outRow = output.Slice((long)p * qRow, qRow);
            if (splits == 0) MistralKernels.AttentionDecode(accelerator, qRowView, kCache, vCache, outRow, shape, p, scratch);
            else MistralKernels.AttentionDecodeWithSplits(accelerator, qRowView, kCache, vCache, outRow, shape, p, scratch, splits, null);
        }
        return output.ToArray();
    }
}

/// <summary>FlashAttention prefill against the explicit-key-list reference, one table of cases on every backend.</summary>
public sealed class AttentionPrefillTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    private const int Full = int.MaxValue;

    public static readonly Dictionary<string, AttentionCase> Cases = new()
    {
        ["T1 hd64 W8"] = new(4, 4, 64, 1, 8, 8),
        ["T7 hd64 full attention"] = new(4, 4, 64, 7, Full, 7),
        ["T33 GQA4 hd32 W8"] = new(8, 2, 32, 33, 8, 8),
        ["T100 GQA8 hd128 W16"] = new(8, 1, 128, 100, 16, 16),
        ["T100 GQA4 hd16 W1"] = new(4, 1, 16, 100, 1, 1),
        ["T33 hd16 W=T"] = new(2, 2, 16, 33, 33, 33),
        ["T100 GQA2 hd128 W40 < T"] = new(4, 2, 128, 100, 40, 40),
        ["T37 hd8 W20"] = new(2, 2, 8, 37, 20, 20),
        ["T100 GQA2 hd8 full attention (stories260K shape)"] = new(8, 4, 8, 100, Full, 512),
        ["T37 hd16 W20"] = new(2, 2, 16, 37, 20, 20),
        ["T37 hd32 W20"] = new(2, 2, 32, 37, 20, 20),
        ["T37 hd64 W20"] = new(2, 2, 64, 37, 20, 20),
        ["T37 hd128 W20"] = new(2, 2, 128, 37, 20, 20),
        ["T7 GQA8 hd64 W4"] = new(8, 1, 64, 7, 4, 4),
        ["T100 hd16 W3 (whole key tiles masked per row)"] = new(2, 1, 16, 100, 3, 3),
        ["T50 GQA4 hd64 W30 logits ~1e3"] = new(4, 1, 64, 50, 30, 30, 0, 55f),
        ["T60 GQA4 hd64 W16 chunks of 1"] = new(8, 2, 64, 60, 16, 16, 1),
        ["T60 GQA4 hd64 W16 chunks of 3"] = new(8, 2, 64, 60, 16, 16, 3),
        ["T60 GQA4 hd64 W16 chunks of 8"] = new(8, 2, 64, 60, 16, 16, 8),
        ["T60 GQA4 hd64 W16 chunks of 20 (> CacheSlots)"] = new(8, 2, 64, 60, 16, 16, 20),
        ["T45 GQA4 hd32 full attention chunks of 8"] = new(4, 1, 32, 45, Full, 45, 8),
        ["T50 GQA8 hd128 W8 chunks of 3"] = new(8, 1, 128, 50, 8, 8, 3),
        ["T100 hd16 W5 chunks of 40"] = new(2, 2, 16, 100, 5, 5, 40),
        ["T40 GQA4 hd128 W12 chunks of 7 logits ~1e3"] = new(4, 1, 128, 40, 12, 12, 7, 55f),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void Prefill_matches_reference_on_cpu(string name) => Check(BackendKind.Cpu, name);

    [AttentionOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Prefill_matches_reference_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    private void Check(BackendKind kind, string name)
    {
        var c = Cases[name];
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.Prefill(backends.Get(kind), c, q, k, v);
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, name);
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
            AttentionReference.AssertClose(AttentionReference.Widen(oneShot), chunked, 2e-6, 2e-6, $"chunks of {chunk}");
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
