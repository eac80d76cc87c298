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

/// <summary>Runs the attention kernels the way the model runner does, with an fp32 or an fp16 cache.</summary>
internal static class AttentionRunner
{
    /// <summary>A layer's K and V caches in one precision.</summary>
    private sealed class Caches : IDisposable
    {
        private readonly DeviceBuffer<float>? k32, v32;
        private readonly DeviceBuffer<Half>? k16, v16;

        public Caches(Accelerator accelerator, AttentionShape shape, bool fp16)
        {
            if (fp16)
            {
                k16 = accelerator.Allocate<Half>(shape.CacheElements);
                v16 = accelerator.Allocate<Half>(shape.CacheElements);
            }
            else
            {
                k32 = accelerator.Allocate<float>(shape.CacheElements);
                v32 = accelerator.Allocate<float>(shape.CacheElements);
            }
        }

        public void Write(Accelerator a, BufferView<float> k, BufferView<float> v, AttentionShape shape, int tokens, int start)
        {
            if (k16 is not null) MistralKernels.KvCacheWrite(a, k, v, k16, v16!, shape, tokens, start);
            else MistralKernels.KvCacheWrite(a, k, v, k32!, v32!, shape, tokens, start);
        }

        public void Prefill(Accelerator a, BufferView<float> q, BufferView<float> k, BufferView<float> v, BufferView<float> output, AttentionShape shape, int tokens, int start,
            MistralKernels.DecodeKernelChoice kernel)
        {
            if (k16 is not null) MistralKernels.AttentionPrefill(a, q, k, v, k16, v16!, output, shape, tokens, start, kernel);
            else MistralKernels.AttentionPrefill(a, q, k, v, k32!, v32!, output, shape, tokens, start, kernel);
        }

        public void Decode(Accelerator a, BufferView<float> q, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
            int? splits, MistralKernels.DecodeKernelChoice kernel)
        {
            if (k16 is not null) MistralKernels.AttentionDecodeWithSplits(a, q, k16, v16!, output, shape, position, scratch, splits, null, kernel);
            else MistralKernels.AttentionDecodeWithSplits(a, q, k32!, v32!, output, shape, position, scratch, splits, null, kernel);
        }

        public void Dispose()
        {
            k32?.Dispose();
            v32?.Dispose();
            k16?.Dispose();
            v16?.Dispose();
        }
    }

    /// <summary>Prefill of the whole sequence in chunks (attention, then the chunk's cache write), returning [tokens, NHeads, HeadDim].</summary>
    public static float[] Prefill(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v, bool fp16Cache = false,
        MistralKernels.DecodeKernelChoice kernel = MistralKernels.DecodeKernelChoice.ByDevice)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var caches = new Caches(accelerator, shape, fp16Cache);
        int chunk = c.Chunk == 0 ? c.Tokens : c.Chunk;
        for (int start = 0; start < c.Tokens; start += chunk)
        {
            int n = Math.Min(chunk, c.Tokens - start);
            var kChunk = kBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            var vChunk = vBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            caches.Prefill(accelerator, qBuffer.Slice((long)start * qRow, (long)n * qRow), kChunk, vChunk,
                output.Slice((long)start * qRow, (long)n * qRow), shape, n, start, kernel);
            caches.Write(accelerator, kChunk, vChunk, shape, n, start);
        }
        return output.ToArray();
    }

    /// <summary>Decodes every position one token at a time (cache write, then decode), returning [tokens, NHeads, HeadDim].</summary>
    /// <param name="splits">Splits per decode; 0 = the device's choice.</param>
    /// <param name="kernel">The split kernel (default: the device's).</param>
    /// <param name="fp16Cache">Whether the cache holds halves.</param>
    public static float[] DecodeAll(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v, int splits = 0,
        MistralKernels.DecodeKernelChoice kernel = MistralKernels.DecodeKernelChoice.ByDevice, bool fp16Cache = false)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var caches = new Caches(accelerator, shape, fp16Cache);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        for (int p = 0; p < c.Tokens; p++)
        {
            caches.Write(accelerator, kBuffer.Slice((long)p * kvRow, kvRow), vBuffer.Slice((long)p * kvRow, kvRow), shape, 1, p);
            caches.Decode(accelerator, qBuffer.Slice((long)p * qRow, qRow), output.Slice((long)p * qRow, qRow), shape, p, scratch,
                splits == 0 ? null : splits, kernel);
        }
        return output.ToArray();
    }

    /// <summary>The values an fp16 cache holds: each rounded to the nearest half.</summary>
    public static float[] RoundToHalf(float[] values) => values.Select(x => (float)(Half)x).ToArray();
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

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Prefill_matches_reference_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    private void Check(BackendKind kind, string name)
    {
        var c = Cases[name];
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.Prefill(backends.Get(kind), c, q, k, v);
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, name);
    }

    private static MistralKernels.DecodeKernelChoice Kernel(string name) => name == "gpu-shaped"
        ? MistralKernels.DecodeKernelChoice.GpuShaped
        : MistralKernels.DecodeKernelChoice.CpuShaped;

    private static TheoryData<string, string, string> Runs(IEnumerable<string> names, params (string Run, string Kernel)[] runs)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (run, kernel) in runs)
            foreach (var name in names)
                data.Add(run, kernel, name);
        return data;
    }

    /// <summary>(device run, kernel, case) on the CPU backend: the CPU-shaped kernel's group body and lanes, the GPU-shaped kernel's lanes.</summary>
    public static TheoryData<string, string, string> CpuRuns => Runs(Cases.Keys, ("cpu", "cpu-shaped"), ("cpu-lanes", "cpu-shaped"), ("cpu", "gpu-shaped"));

    /// <summary>Both kernels through PoCL: the GPU-shaped one vouches for the CUDA translation.</summary>
    public static TheoryData<string, string, string> OpenCLRuns => Runs(Cases.Keys, ("opencl", "cpu-shaped"), ("opencl", "gpu-shaped"));

    [Theory, MemberData(nameof(CpuRuns))]
    public void Prefill_kernel_matches_reference_on_cpu(string run, string kernel, string name) => CheckKernel(run, kernel, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLRuns))]
    public void Prefill_kernel_matches_reference_on_opencl(string run, string kernel, string name) => CheckKernel(run, kernel, name);

    [Theory]
    [InlineData("T100 GQA8 hd128 W16"), InlineData("T40 GQA4 hd128 W12 chunks of 7 logits ~1e3"), InlineData("T60 GQA4 hd64 W16 chunks of 3"), InlineData("T37 hd16 W20")]
    public void Prefill_group_body_matches_reference_on_its_256_bit_path(string name)
    {
        // The 512-bit loops run wherever AVX-512 exists; pin the AVX2 ones once (either is correct, so tests running meanwhile are unaffected).
        bool previous = AttentionCpuBody.AllowAvx512;
        AttentionCpuBody.AllowAvx512 = false;
        try
        {
            CheckKernel("cpu", "cpu-shaped", name);
        }
        finally
        {
            AttentionCpuBody.AllowAvx512 = previous;
        }
    }

    private void CheckKernel(string run, string kernel, string name)
    {
        var c = Cases[name];
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.Prefill(backends.Get(run), c, q, k, v, kernel: Kernel(kernel));
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, $"{name} ({run}, {kernel})");
    }

    /// <summary>The cases that read earlier chunks back from the cache: the ones with an fp16 cache to test.</summary>
    private static IEnumerable<string> ChunkedCases => Cases.Where(c => c.Value.Chunk > 0).Select(c => c.Key);

    public static TheoryData<string, string, string> CpuHalfRuns => Runs(ChunkedCases, ("cpu", "cpu-shaped"), ("cpu-lanes", "cpu-shaped"), ("cpu", "gpu-shaped"));

    public static TheoryData<string, string, string> OpenCLHalfRuns => Runs(ChunkedCases, ("opencl", "cpu-shaped"), ("opencl", "gpu-shaped"));

    [Theory, MemberData(nameof(CpuHalfRuns))]
    public void Prefill_with_fp16_cache_matches_reference_on_cpu(string run, string kernel, string name) => CheckHalfCache(run, kernel, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLHalfRuns))]
    public void Prefill_with_fp16_cache_matches_reference_on_opencl(string run, string kernel, string name) => CheckHalfCache(run, kernel, name);

    /// <summary>
    /// Chunked prefill over an fp16 cache: a chunk's queries see earlier chunks' keys and values as halves (what the
    /// cache holds) and their own chunk's in fp32. The reference reads exactly that, so the fp32 tolerance applies.
    /// </summary>
    private void CheckHalfCache(string run, string kernel, string name)
    {
        var c = Cases[name];
        var shape = c.Shape;
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        float[] kHalf = AttentionRunner.RoundToHalf(k), vHalf = AttentionRunner.RoundToHalf(v);
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        var expected = new double[c.Tokens * qRow];
        for (int start = 0; start < c.Tokens; start += c.Chunk)
        {
            int n = Math.Min(c.Chunk, c.Tokens - start);
            float[] kSeen = kHalf[..(start * kvRow)].Concat(k[(start * kvRow)..]).ToArray();
            float[] vSeen = vHalf[..(start * kvRow)].Concat(v[(start * kvRow)..]).ToArray();
            AttentionReference.Attention(q[(start * qRow)..((start + n) * qRow)], kSeen, vSeen, shape, n, start).CopyTo(expected, start * qRow);
        }
        float[] actual = AttentionRunner.Prefill(backends.Get(run), c, q, k, v, fp16Cache: true, kernel: Kernel(kernel));
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, $"{name} (fp16 cache, {run}, {kernel})");
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
