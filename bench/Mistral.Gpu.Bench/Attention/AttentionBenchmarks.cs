using BenchmarkDotNet.Attributes;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench.Attention;

/// <summary>One attention case: the kernel, its chunk, position, window and cache format.</summary>
/// <param name="Name">The case name, at most 20 characters so BenchmarkDotNet prints it whole.</param>
/// <param name="Kind">Rope, KvCacheWrite, Prefill or Decode.</param>
/// <param name="Tokens">Tokens in the chunk (1 for decode).</param>
/// <param name="Position">The first token's position (the query's, for decode).</param>
/// <param name="Window">The sliding window; <see cref="int.MaxValue"/> for full attention.</param>
/// <param name="Cache">How the cache stores K and V.</param>
public sealed record AttentionCaseSpec(string Name, string Kind, int Tokens, int Position, int Window, KvCacheFormat Cache = KvCacheFormat.Fp32)
{
    /// <summary>Cache slots: the window, or (full attention) every position the case touches.</summary>
    public int CacheSlots => Window == int.MaxValue ? Position + Tokens : Window;

    /// <summary>One Mistral 7B layer's attention shape for this case.</summary>
    public AttentionShape Shape => new(AttentionBenchmarks.Heads, AttentionBenchmarks.KvHeads, AttentionBenchmarks.HeadDim, CacheSlots, Window);

    /// <summary>Bytes and FLOPs per call, from <see cref="KernelCosts"/> like every other row.</summary>
    public KernelCost Cost
    {
        get
        {
            int bytes = KvCacheFormats.BytesPerElement(Cache);
            var cost = Kind switch
            {
                "Rope" => KernelCosts.Rope(Tokens, AttentionBenchmarks.Heads, AttentionBenchmarks.KvHeads, AttentionBenchmarks.HeadDim),
                "KvCacheWrite" => KernelCosts.KvCacheWrite(Tokens, AttentionBenchmarks.KvHeads, AttentionBenchmarks.HeadDim, CacheSlots, bytes),
                "Prefill" => KernelCosts.AttentionPrefill(AttentionBenchmarks.Heads, AttentionBenchmarks.KvHeads, AttentionBenchmarks.HeadDim, Window, Tokens, Position, bytes),
                "Decode" => KernelCosts.AttentionDecode(AttentionBenchmarks.Heads, AttentionBenchmarks.KvHeads, AttentionBenchmarks.HeadDim, Window, Position, bytes),
                _ => throw new ArgumentException($"Unknown attention kind '{Kind}'."),
            };
            return cost with { Shape = $"{cost.Shape} window={(Window == int.MaxValue ? "none" : Window)}" };
        }
    }
}

/// <summary>
/// The attention family at one Mistral 7B layer's shape (32 query heads, 8 KV heads, head_dim 128): RoPE and the
/// cache write of a 128-token chunk; prefill chunks of 128 tokens from position 0 and from 512 and 4096 (reading the
/// rotating cache); and the decode sweep the issue asks for, one token at contexts 512, 4096, 8192, 16384 and 32768
/// with Mistral 7B v0.1's window of 4096 (a 4096-slot cache: flat past 4096) and without a window (a cache of the
/// whole context, up to 268 MB per K and V at 32768), plus the fp16 cache at three of them. Bytes, FLOPs, GB/s,
/// GFLOP/s and the fraction of the measured peak come from the suite's shared columns (see <see cref="BenchConfig"/>),
/// and the rows appear in the roofline exports.
/// </summary>
public class AttentionBenchmarks
{
    /// <summary>Mistral 7B's query heads.</summary>
    public const int Heads = 32;

    /// <summary>Mistral 7B's KV heads.</summary>
    public const int KvHeads = 8;

    /// <summary>Mistral 7B's head size.</summary>
    public const int HeadDim = 128;

    /// <summary>Mistral 7B v0.1's sliding window.</summary>
    public const int Window = 4096;

    private const int Full = int.MaxValue;
    private const int Chunk = 128;

    /// <summary>Every case, in the order the suite runs them.</summary>
    public static IReadOnlyList<AttentionCaseSpec> Specs { get; } =
    [
        new("Rope t128", "Rope", Chunk, 0, Window),
        new("KvCacheWrite t128", "KvCacheWrite", Chunk, 0, Window),
        new("Prefill t128 s0", "Prefill", Chunk, 0, Window),
        new("Prefill t128 s512", "Prefill", Chunk, 512, Window),
        new("Prefill t128 s4096", "Prefill", Chunk, 4096, Window),
        new("Prefill16 t128 s4096", "Prefill", Chunk, 4096, Window, KvCacheFormat.Fp16),
        .. new[] { 511, 4095, 8191, 16383, 32767 }.Select(p => new AttentionCaseSpec($"Decode p{p + 1} W4k", "Decode", 1, p, Window)),
        .. new[] { 511, 4095, 8191, 16383, 32767 }.Select(p => new AttentionCaseSpec($"Decode p{p + 1} full", "Decode", 1, p, Full)),
        .. new[] { 511, 4095, 32767 }.Select(p => new AttentionCaseSpec($"Decode16 p{p + 1} W4k", "Decode", 1, p, Window, KvCacheFormat.Fp16)),
    ];

    private readonly List<IDisposable> owned = [];
    private Accelerator? accelerator;
    private Action? call;

    /// <summary>The backend: cpu, or opencl where a device exists.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "opencl";

    /// <summary>The attention kernel and shape (its own parameter name: the rows' costs come from <see cref="CostOf"/>).</summary>
    [ParamsSource(nameof(Cases))]
    public string AttentionCase { get; set; } = "";

    public static IEnumerable<string> Backends => BenchConfig.AvailableBackends();

    public static IEnumerable<string> Cases => Specs.Select(s => s.Name);

    /// <summary>The named case.</summary>
    public static AttentionCaseSpec Spec(string name) =>
        Specs.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"Unknown attention case '{name}'.", nameof(name));

    /// <summary>Bytes and FLOPs per call of the named case.</summary>
    public static KernelCost CostOf(string name) => Spec(name).Cost;

    [GlobalSetup]
    public void Setup()
    {
        var acc = accelerator = Accelerators.Create(Accelerators.ParseBackend(Backend));
        var spec = Spec(AttentionCase);
        var shape = spec.Shape;
        var q = Floats((long)spec.Tokens * shape.QueryRowLength, 1);
        var k = Floats((long)spec.Tokens * shape.KvRowLength, 2);
        var v = Floats((long)spec.Tokens * shape.KvRowLength, 3);
        var output = Own(acc.Allocate<float>((long)spec.Tokens * shape.QueryRowLength));
        var table = Own(RopeTable.Create(acc, HeadDim, 10000f));
        var scratch = Own(AttentionScratch.Create(acc, shape));
        int tokens = spec.Tokens, position = spec.Position;
        if (spec.Cache == KvCacheFormat.Fp16)
        {
            var kCache = Halves(shape.CacheElements, 4);
            var vCache = Halves(shape.CacheElements, 5);
            call = spec.Kind switch
            {
                "KvCacheWrite" => () => MistralKernels.KvCacheWrite(acc, k, v, kCache, vCache, shape, tokens, position),
                "Prefill" => () => MistralKernels.AttentionPrefill(acc, q, k, v, kCache, vCache, output, shape, tokens, position),
                "Decode" => () => MistralKernels.AttentionDecode(acc, q, kCache, vCache, output, shape, position, scratch),
                _ => throw new ArgumentException($"No fp16 variant of '{spec.Kind}'."),
            };
        }
        else
        {
            var kCache = Floats(shape.CacheElements, 4);
            var vCache = Floats(shape.CacheElements, 5);
            call = spec.Kind switch
            {
                "Rope" => () => MistralKernels.Rope(acc, q, k, table, tokens, position, Heads, KvHeads, HeadDim),
                "KvCacheWrite" => () => MistralKernels.KvCacheWrite(acc, k, v, kCache, vCache, shape, tokens, position),
                "Prefill" => () => MistralKernels.AttentionPrefill(acc, q, k, v, kCache, vCache, output, shape, tokens, position),
                "Decode" => () => MistralKernels.AttentionDecode(acc, q, kCache, vCache, output, shape, position, scratch),
                _ => throw new ArgumentException($"Unknown attention kind '{spec.Kind}'."),
            };
        }
        Call();
    }

    [Benchmark(Description = "attention call")]
    public void Call()
    {
        call!();
        accelerator!.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var item in owned) item.Dispose();
        owned.Clear();
        accelerator?.Dispose();
    }

    private T Own<T>(T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    private DeviceBuffer<float> Floats(long count, int seed) => Own(accelerator!.Upload<float>(Random(count, seed)));

    private DeviceBuffer<Half> Halves(long count, int seed) => Own(accelerator!.Upload<Half>(Random(count, seed).Select(x => (Half)x).ToArray()));

    // Every element written, so no page is the kernel's shared zero page (a cache hit a real cache never gets).
    private static float[] Random(long count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
