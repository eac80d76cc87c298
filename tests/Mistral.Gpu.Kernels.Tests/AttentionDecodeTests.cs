using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Flash-decoding against the reference and against prefill, one table of cases on every backend.</summary>
public sealed class AttentionDecodeTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    private const int Full = int.MaxValue;

    public static readonly Dictionary<string, AttentionCase> Cases = new()
    {
        ["hd16 W8 positions to 50 (6 wraps)"] = new(2, 2, 16, 50, 8, 8),
        ["GQA4 hd64 W8 positions to 50"] = new(8, 2, 64, 50, 8, 8),
        ["GQA8 hd128 W8 positions to 50"] = new(8, 1, 128, 50, 8, 8),
        ["GQA16 hd128 W24 (two row tiles per KV head)"] = new(16, 1, 128, 30, 24, 24),
        ["hd32 W1"] = new(2, 1, 32, 12, 1, 1),
        ["GQA2 hd8 full attention (stories260K shape)"] = new(8, 4, 8, 40, Full, 512),
        ["GQA4 hd32 full attention to 40"] = new(4, 1, 32, 40, Full, 40),
        ["GQA4 hd128 W20 logits ~1e3"] = new(4, 1, 128, 30, 20, 20, 0, 55f),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void Decode_matches_reference_on_cpu(string name) => Check(BackendKind.Cpu, name);

    [AttentionOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Decode_matches_reference_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    [Theory, MemberData(nameof(CaseNames))]
    public void Decode_agrees_with_prefill_on_cpu(string name) => CheckAgainstPrefill(BackendKind.Cpu, name);

    [AttentionOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Decode_agrees_with_prefill_on_opencl(string name) => CheckAgainstPrefill(BackendKind.OpenCL, name);

    [Theory, InlineData(1), InlineData(2), InlineData(3), InlineData(7), InlineData(1000)]
    public void Splits_combine_exactly_on_cpu(int splits) => CheckSplits(BackendKind.Cpu, splits);

    [AttentionOpenCLTheory, InlineData(1), InlineData(3), InlineData(7), InlineData(1000)]
    public void Splits_combine_exactly_on_opencl(int splits) => CheckSplits(BackendKind.OpenCL, splits);

    private void Check(BackendKind kind, string name)
    {
        var c = Cases[name];
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.DecodeAll(backends.Get(kind), c, q, k, v);
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, name);
    }

    private void CheckAgainstPrefill(BackendKind kind, string name)
    {
        var c = Cases[name];
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        var accelerator = backends.Get(kind);
        float[] prefill = AttentionRunner.Prefill(accelerator, c, q, k, v);
        float[] decode = AttentionRunner.DecodeAll(accelerator, c, q, k, v, splits: 3);
        // Both fp32 over the same keys; they differ only in tile boundaries and the split combine: a few ulp.
        AttentionReference.AssertClose(AttentionReference.Widen(prefill), decode, c.InputScale > 10 ? 1e-3 : 1e-5, 1e-5, name);
    }

    private void CheckSplits(BackendKind kind, int splits)
    {
        // 400 positions through a 300-slot cache with a 300-key window: the decode at 399 reads slots that wrapped,
        // and 1..1000 splits (clamped to the scratch's limit) must agree with the reference and each other.
        var accelerator = backends.Get(kind);
        var c = new AttentionCase(4, 1, 64, 400, 300, 300);
        var shape = c.Shape;
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        int position = c.Tokens - 1, qRow = shape.QueryRowLength;
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Allocate<float>(shape.CacheElements);
        using var vCache = accelerator.Allocate<float>(shape.CacheElements);
        using var qBuffer = accelerator.Upload<float>(q.AsSpan(position * qRow, qRow));
        using var output = accelerator.Allocate<float>(qRow);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, c.Tokens, 0);
        MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null);
        double[] expected = AttentionReference.Attention(q[(position * qRow)..], k, v, shape, 1, position);
        AttentionReference.AssertClose(expected, output.ToArray(), c.Tolerance, 1e-4, $"{splits} splits");
    }

    [Fact]
    public void Automatic_splits_match_reference()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        var c = new AttentionCase(8, 2, 32, 200, 150, 150);
        var shape = c.Shape;
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        int position = c.Tokens - 1, qRow = shape.QueryRowLength;
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Allocate<float>(shape.CacheElements);
        using var vCache = accelerator.Allocate<float>(shape.CacheElements);
        using var qBuffer = accelerator.Upload<float>(q.AsSpan(position * qRow, qRow));
        using var output = accelerator.Allocate<float>(qRow);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        Assert.Equal(3, scratch.MaxSplits);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, c.Tokens, 0);
        MistralKernels.AttentionDecode(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch);
        double[] expected = AttentionReference.Attention(q[(position * qRow)..], k, v, shape, 1, position);
        AttentionReference.AssertClose(expected, output.ToArray(), c.Tolerance, 1e-4, "automatic splits");
    }
}
