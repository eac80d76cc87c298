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

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Decode_matches_reference_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    [Theory, MemberData(nameof(CaseNames))]
    public void Decode_agrees_with_prefill_on_cpu(string name) => CheckAgainstPrefill(BackendKind.Cpu, name);

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void Decode_agrees_with_prefill_on_opencl(string name) => CheckAgainstPrefill(BackendKind.OpenCL, name);

    public static TheoryData<string, string, int> SplitRuns(string[] runs, int[] splits)
    {
        var data = new TheoryData<string, string, int>();
        foreach (var run in runs)
            foreach (var kernel in new[] { "gpu-shaped", "cpu-shaped" })
                foreach (int n in splits)
                    data.Add(run, kernel, n);
        return data;
    }

    public static TheoryData<string, string, int> CpuSplitRuns => SplitRuns(["cpu", "cpu-lanes"], [1, 2, 3, 7, 1000]);

    public static TheoryData<string, string, int> OpenCLSplitRuns => SplitRuns(["opencl"], [1, 3, 7, 1000]);

    [Theory, MemberData(nameof(CpuSplitRuns))]
    public void Splits_combine_exactly_on_cpu(string run, string kernel, int splits) => CheckSplits(run, kernel, splits);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLSplitRuns))]
    public void Splits_combine_exactly_on_opencl(string run, string kernel, int splits) => CheckSplits(run, kernel, splits);

    /// <summary>The split kernels by name: the GPU-shaped flash-decoding kernel and the one-lane-per-group CPU-shaped one.</summary>
    private static MistralKernels.DecodeKernelChoice Kernel(string name) => name switch
    {
        "gpu-shaped" => MistralKernels.DecodeKernelChoice.GpuShaped,
        "cpu-shaped" => MistralKernels.DecodeKernelChoice.CpuShaped,
        _ => throw new ArgumentException(name, nameof(name)),
    };

    /// <summary>(device run, kernel, cache, case): the CPU-shaped kernel's group body and its lanes, and the GPU-shaped kernel's lanes.</summary>
    public static TheoryData<string, string, string, string> CpuRuns() => Runs(("cpu", "cpu-shaped"), ("cpu-lanes", "cpu-shaped"), ("cpu", "gpu-shaped"));

    /// <summary>Both kernels through PoCL: the GPU-shaped one vouches for the CUDA translation, the CPU-shaped one runs on PoCL.</summary>
    public static TheoryData<string, string, string, string> OpenCLRuns() => Runs(("opencl", "cpu-shaped"), ("opencl", "gpu-shaped"));

    private static TheoryData<string, string, string, string> Runs(params (string Run, string Kernel)[] runs)
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var (run, kernel) in runs)
            foreach (var cache in new[] { "fp32", "fp16" })
                foreach (var name in Cases.Keys)
                    data.Add(run, kernel, cache, name);
        return data;
    }

    [Theory, MemberData(nameof(CpuRuns))]
    public void Decode_kernel_matches_reference_on_cpu(string run, string kernel, string cache, string name) => CheckKernel(run, kernel, cache, name);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLRuns))]
    public void Decode_kernel_matches_reference_on_opencl(string run, string kernel, string cache, string name) => CheckKernel(run, kernel, cache, name);

    /// <summary>
    /// Every position decoded through one kernel on one backend against the reference. With an fp16 cache the reference
    /// reads the same half-rounded keys and values, so the tolerance is the fp32 one: the kernels compute in fp32 on
    /// exactly what the cache holds. (Against unrounded K/V the fp16 cache itself moves outputs by up to ~1e-3 here:
    /// a half keeps 11 significant bits, relative error 2^-12 per element.)
    /// </summary>
    private void CheckKernel(string run, string kernel, string cache, string name)
    {
        var c = Cases[name];
        bool fp16 = cache == "fp16";
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        float[] kHeld = fp16 ? AttentionRunner.RoundToHalf(k) : k, vHeld = fp16 ? AttentionRunner.RoundToHalf(v) : v;
        double[] expected = AttentionReference.Attention(q, kHeld, vHeld, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.DecodeAll(backends.Get(run), c, q, k, v, kernel: Kernel(kernel), fp16Cache: fp16);
        AttentionReference.AssertClose(expected, actual, c.Tolerance, 1e-4, $"{name} ({run}, {kernel}, {cache})");
    }

    [Theory]
    [InlineData("fp32", 1, true), InlineData("fp32", 3, true), InlineData("fp16", 1, true), InlineData("fp16", 5, true)]
    [InlineData("fp32", 1, false), InlineData("fp32", 3, false), InlineData("fp16", 1, false), InlineData("fp16", 5, false)]
    public void Cpu_group_bodies_agree_with_their_lanes(string cache, int splits, bool avx512)
    {
        // Both instruction-set paths of the bodies on this machine (the flag only picks loops; either is correct, so
        // other tests running meanwhile are unaffected).
        bool previous = AttentionCpuBody.AllowAvx512;
        AttentionCpuBody.AllowAvx512 = avx512;
        try
        {
            CompareBodyWithLanes(cache, splits);
        }
        finally
        {
            AttentionCpuBody.AllowAvx512 = previous;
        }
    }

    private void CompareBodyWithLanes(string cache, int splits)
    {
        // Mistral 7B's layer shape (GQA 4, head_dim 128) at a position that wrapped the 4096-slot cache: the vectorised
        // bodies (split kernel and combine) against the same kernels' lanes. Same fp32 operations in another summation
        // order and a vectorised exp within a few ulp: 1e-6 absolute on outputs of size ~0.1.
        var shape = new AttentionShape(32, 8, 128, 512, 512);
        int position = 1300;
        bool fp16 = cache == "fp16";
        float[] q = AttentionReference.Random(shape.QueryRowLength, 21, 3f);
        float[] kv = AttentionReference.Random((int)shape.CacheElements, 22);
        float[] results(Accelerator accelerator)
        {
            using var qBuffer = accelerator.Upload<float>(q);
            using var output = accelerator.Allocate<float>(shape.QueryRowLength);
            using var scratch = AttentionScratch.Create(accelerator, shape);
            var choice = MistralKernels.DecodeKernelChoice.CpuShaped;
            if (fp16)
            {
                using var kCache = accelerator.Upload<Half>(kv.Select(x => (Half)x).ToArray());
                using var vCache = accelerator.Upload<Half>(kv.Select(x => (Half)(0.5f * x)).ToArray());
                MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null, choice);
            }
            else
            {
                using var kCache = accelerator.Upload<float>(kv);
                using var vCache = accelerator.Upload<float>(kv.Select(x => 0.5f * x).ToArray());
                MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null, choice);
            }
            return output.ToArray();
        }
        Assert.True(AttentionCpuBody.IsAccelerated, "this machine has no AVX2/FMA: the group bodies would fall back to the lanes");
        float[] body = results(backends.Get("cpu")), lanes = results(backends.Get("cpu-lanes"));
        AttentionReference.AssertClose(AttentionReference.Widen(lanes), body, 1e-6, 1e-5, $"{cache}, {splits} splits");
    }

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

    private void CheckSplits(string run, string kernel, int splits)
    {
        // 400 positions through a 300-slot cache with a 300-key window: the decode at 399 reads slots that wrapped,
        // and 1..1000 splits (clamped to the scratch's limit) must agree with the reference and each other.
        var accelerator = backends.Get(run);
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
        MistralKernels.AttentionDecodeWithSplits(accelerator, qBuffer, kCache, vCache, output, shape, position, scratch, splits, null, Kernel(kernel));
        double[] expected = AttentionReference.Attention(q[(position * qRow)..], k, v, shape, 1, position);
        AttentionReference.AssertClose(expected, output.ToArray(), c.Tolerance, 1e-4, $"{splits} splits ({run}, {kernel})");
    }

    [Theory, InlineData("cpu"), InlineData("cpu-lanes")]
    public void Decode_work_stops_growing_at_the_window_on_cpu(string run) => CheckFlat(run);

    [RequiresOpenCLTheory, InlineData("opencl")]
    public void Decode_work_stops_growing_at_the_window_on_opencl(string run) => CheckFlat(run);

    /// <summary>
    /// Mistral 7B v0.1's layer (window 4096, a 4096-slot rotating cache): the launch of a decode step (kernel, keys,
    /// splits, split size, grid) at any position past the window is the launch at position 4095, so a token at 32767 or
    /// at 2^20 costs what one at 4095 does; below the window it grows with the position.
    /// </summary>
    private void CheckFlat(string run)
    {
        var accelerator = backends.Get(run);
        var shape = new AttentionShape(32, 8, 128, 4096, 4096);
        var full = MistralKernels.PlanDecode(accelerator, shape, 4095);
        Assert.Equal(4096, full.Keys);
        foreach (int position in new[] { 4096, 4097, 5000, 8191, 16384, 32767, 1 << 20 })
            Assert.Equal(full, MistralKernels.PlanDecode(accelerator, shape, position));
        Assert.Equal(512, MistralKernels.PlanDecode(accelerator, shape, 511).Keys);
        // Without a window the cache is the context and the keys keep growing with the position.
        var noWindow = new AttentionShape(32, 8, 128, 32768, int.MaxValue);
        Assert.Equal(16385, MistralKernels.PlanDecode(accelerator, noWindow, 16384).Keys);
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
