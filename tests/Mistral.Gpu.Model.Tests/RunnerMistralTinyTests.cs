using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Cpu;
using Xunit.Abstractions;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// The forward pass against mistral-src's reference on the tiny random Mistral models: prefill
/// logits from one pass, teacher-forced decode through the rotating cache (which wraps), chunked
/// prefill, all three weight files, on the CPU backend and on OpenCL.
/// </summary>
public sealed class RunnerMistralTinyTests(ITestOutputHelper output)
{
    public static TheoryData<string, WeightsVariant> CasesAndVariants()
    {
        var data = new TheoryData<string, WeightsVariant>();
        foreach (string folder in SharedData.MistralTinyCases)
            foreach (var variant in Enum.GetValues<WeightsVariant>())
                data.Add(Path.GetFileName(folder), variant);
        return data;
    }

    public static TheoryData<string, int> CasesAndChunks()
    {
        var data = new TheoryData<string, int>();
        foreach (string folder in SharedData.MistralTinyCases)
            foreach (int chunk in new[] { 1, 5 })
                data.Add(Path.GetFileName(folder), chunk);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndVariants))]
    public void Cpu_prefill_and_teacher_forced_decode_match_the_reference(string caseName, WeightsVariant variant)
    {
        using var accelerator = new CpuAccelerator();
        CheckAgainstReference(accelerator, caseName, variant);
    }

    [RequiresOpenCLFact]
    public void OpenCL_prefill_and_teacher_forced_decode_match_the_reference()
    {
        using var accelerator = OpenCL();
        foreach (string folder in SharedData.MistralTinyCases)
            foreach (var variant in Enum.GetValues<WeightsVariant>())
                CheckAgainstReference(accelerator, Path.GetFileName(folder), variant);
    }

    /// <summary>
    /// The ILGPU kernels as the GPUs get them, on ILGPU's CPU accelerator: each case in one layout (both layouts across
    /// the two), chunked prefill and the fp16 cache once each. Not the whole CPU matrix: ILGPU's CPU accelerator takes
    /// ~25 ms per launch, and the layouts and chunking are host code the CPU rows already cover.
    /// </summary>
    [Fact]
    public void IlgpuCpu_prefill_decode_chunks_and_fp16_cache_match_the_reference()
    {
        using var accelerator = Accelerators.Create(BackendKind.IlgpuCpu);
        var cases = SharedData.MistralTinyCases.Select(Path.GetFileName).ToList();
        CheckAgainstReference(accelerator, cases[0]!, WeightsVariant.Native);
        CheckAgainstReference(accelerator, cases[^1]!, WeightsVariant.HuggingFace);
        CheckChunked(accelerator, cases[^1]!, 5);
        CheckAgainstReference(accelerator, cases[0]!, WeightsVariant.Native, KvCacheFormat.Fp16);
    }

    [Theory]
    [MemberData(nameof(CasesAndChunks))]
    public void Cpu_chunked_prefill_reproduces_the_single_pass(string caseName, int chunk)
    {
        using var accelerator = new CpuAccelerator();
        CheckChunked(accelerator, caseName, chunk);
    }

    [RequiresOpenCLFact]
    public void OpenCL_chunked_prefill_reproduces_the_single_pass()
    {
        using var accelerator = OpenCL();
        foreach (string folder in SharedData.MistralTinyCases)
            foreach (int chunk in new[] { 1, 5 })
                CheckChunked(accelerator, Path.GetFileName(folder), chunk);
    }

    /// <summary>
    /// An fp16 KV cache keeps 11 significant bits of every cached key and value (relative error ≤ 2^-12 each). Through
    /// two layers and a decode across a wrapping cache that moved these logits (about 10 in size) by at most 1.1e-2
    /// (case_b decode; 7.5e-3 case_a; prefill in one pass never reads the cache and stays at the fp32 4e-5), measured on
    /// CPU and OpenCL alike. 3e-2 leaves a factor of ~3, while a wrong slot, head or window moves them by 1 or more.
    /// </summary>
    public const float Fp16CacheTolerance = 3e-2f;

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string folder in SharedData.MistralTinyCases) data.Add(Path.GetFileName(folder));
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Cpu_fp16_kv_cache_stays_within_its_tolerance_of_the_reference(string caseName)
    {
        using var accelerator = new CpuAccelerator();
        CheckAgainstReference(accelerator, caseName, WeightsVariant.Native, KvCacheFormat.Fp16);
        CheckChunked(accelerator, caseName, 5, KvCacheFormat.Fp16);
    }

    /// <summary>The CPU's default cache (unasked) is fp16 too, and a runner left at the default stays within the fp16 tolerance.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Cpu_default_fp16_kv_cache_stays_within_its_tolerance_of_the_reference(string caseName)
    {
        using var accelerator = new CpuAccelerator();
        Assert.Equal(KvCacheFormat.Fp16, KvCacheFormats.DefaultFor(accelerator));
        CheckAgainstReference(accelerator, caseName, WeightsVariant.Native, cache: null, expectedCache: KvCacheFormat.Fp16);
    }

    /// <summary>OpenCL's default cache (unasked) is fp16, and a runner left at the default stays within the fp16 tolerance.</summary>
    [RequiresOpenCLFact]
    public void OpenCL_default_fp16_kv_cache_stays_within_its_tolerance_of_the_reference()
    {
        using var accelerator = OpenCL();
        Assert.Equal(KvCacheFormat.Fp16, KvCacheFormats.DefaultFor(accelerator));
        foreach (string folder in SharedData.MistralTinyCases)
        {
            CheckAgainstReference(accelerator, Path.GetFileName(folder), WeightsVariant.Native, cache: null, expectedCache: KvCacheFormat.Fp16);
            CheckChunked(accelerator, Path.GetFileName(folder), 5, KvCacheFormat.Fp16);
        }
    }

    /// <param name="cache">The cache format to ask for; null leaves the model's default, which must be <paramref name="expectedCache"/>.</param>
    private void CheckAgainstReference(Accelerator accelerator, string caseName, WeightsVariant variant, KvCacheFormat? cache = KvCacheFormat.Fp32,
        KvCacheFormat? expectedCache = null)
    {
        string dir = SharedData.MistralTinyCase(caseName);
        using var reference = SafetensorsFile.Open(ReferenceFile(dir, variant));
        int[] tokens = reference.ReadInt32("tokens");
        int[] decodeTokens = reference.ReadInt32("decode_tokens");
        float[] decodeLogits = reference.ReadFloat32("decode_logits");
        using var model = Load(accelerator, dir, variant);
        using var runner = new Transformer(model, maxChunk: tokens.Length, kvCache: cache);
        Assert.Equal(cache ?? expectedCache, runner.Cache.Format);
        float tolerance = runner.Cache.Format == KvCacheFormat.Fp16 ? Fp16CacheTolerance : MistralTinyTolerance;
        int vocab = model.Config.VocabSize;

        float[] prefill = runner.AllLogits(tokens);
        float prefillDiff = MaxAbsDiff(prefill, reference.ReadFloat32("prefill_logits"));
        if (reference.Contains("prefill_logits_wplus1"))
        {
            // An off-by-one window (W+1 keys) differs by 8.5-14 on these cases; ours must not be that.
            float offByOne = MaxAbsDiff(prefill, reference.ReadFloat32("prefill_logits_wplus1"));
            Assert.True(offByOne > 1f, $"{caseName}: the logits match the W+1-window diagnostic (max |Δ| {offByOne})");
        }

        float decodeDiff = 0;
        var row = new float[vocab];
        for (int k = 0; k < decodeTokens.Length; k++)
        {
            Transformer.CopyToHost(runner.Decode(decodeTokens[k], tokens.Length + k), row);
            decodeDiff = Math.Max(decodeDiff, MaxAbsDiff(row, decodeLogits.AsSpan(k * vocab, vocab)));
        }
        output.WriteLine($"{accelerator.Info.Backend} {caseName} {variant} {KvCacheFormats.Name(runner.Cache.Format)} cache: prefill max |Δ| {prefillDiff:G3}, decode max |Δ| {decodeDiff:G3}");
        Assert.True(prefillDiff <= tolerance, $"{accelerator.Info.Backend} {caseName} {variant}: prefill max |Δ| {prefillDiff:G4}");
        Assert.True(decodeDiff <= tolerance, $"{accelerator.Info.Backend} {caseName} {variant} {KvCacheFormats.Name(runner.Cache.Format)} cache: decode max |Δ| {decodeDiff:G4}");
    }

    private void CheckChunked(Accelerator accelerator, string caseName, int chunk, KvCacheFormat cache = KvCacheFormat.Fp32)
    {
        string dir = SharedData.MistralTinyCase(caseName);
        using var reference = SafetensorsFile.Open(ReferenceFile(dir, WeightsVariant.Native));
        int[] tokens = reference.ReadInt32("tokens");
        using var model = Load(accelerator, dir);
        using var runner = new Transformer(model, maxChunk: chunk, kvCache: cache);
        float diff = MaxAbsDiff(runner.AllLogits(tokens, 0, chunk), reference.ReadFloat32("prefill_logits"));
        float tolerance = cache == KvCacheFormat.Fp16 ? Fp16CacheTolerance : MistralTinyTolerance;
        output.WriteLine($"{accelerator.Info.Backend} {caseName} chunks of {chunk}, {KvCacheFormats.Name(cache)} cache: max |Δ| {diff:G3}");
        Assert.True(diff <= tolerance, $"{caseName} in chunks of {chunk}, {KvCacheFormats.Name(cache)} cache: max |Δ| {diff:G4}");
    }
}
