using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Roofline;
using Summary = BenchmarkDotNet.Reports.Summary;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench.Attention;

/// <summary>
/// The attention family at one Mistral 7B layer's shape (32 query heads, 8 KV heads, head_dim 128, window 4096):
/// RoPE and the cache write of a 128-token chunk, the prefill of that chunk, and single-token decode early
/// (position 511) and with a full window (position 4095). Costs come from <see cref="KernelCosts"/>.
/// </summary>
[Config(typeof(AttentionColumns))]
public class AttentionBenchmarks
{
    /// <summary>The layer shape every case uses.</summary>
    public static readonly AttentionShape Shape = new(32, 8, 128, 4096, 4096);

    private const int ChunkTokens = 128;
    private readonly List<IDisposable> owned = [];
    private Accelerator? accelerator;
    private Action? call;

    /// <summary>The backend: cpu, or opencl where a device exists.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "opencl";

    /// <summary>The attention kernel and shape (named apart from KernelBenchmarks' Case so its columns skip these rows).</summary>
    [ParamsSource(nameof(Cases))]
    public string AttentionCase { get; set; } = "";

    public static IEnumerable<string> Backends => BenchConfig.AvailableBackends();

    public static IEnumerable<string> Cases => ["Rope t128", "KvCacheWrite t128", "AttentionPrefill t128", "AttentionDecode pos511", "AttentionDecode pos4095"];

    /// <summary>Bytes and FLOPs per call of the named case.</summary>
    public static KernelCost CostOf(string name) => name switch
    {
        "Rope t128" => KernelCosts.Rope(ChunkTokens, Shape.NHeads, Shape.NKvHeads, Shape.HeadDim),
        "KvCacheWrite t128" => KernelCosts.KvCacheWrite(ChunkTokens, Shape.NKvHeads, Shape.HeadDim, Shape.CacheSlots),
        "AttentionPrefill t128" => KernelCosts.AttentionPrefill(Shape.NHeads, Shape.NKvHeads, Shape.HeadDim, Shape.Window, ChunkTokens, 0),
        "AttentionDecode pos511" => KernelCosts.AttentionDecode(Shape.NHeads, Shape.NKvHeads, Shape.HeadDim, Shape.Window, 511),
        "AttentionDecode pos4095" => KernelCosts.AttentionDecode(Shape.NHeads, Shape.NKvHeads, Shape.HeadDim, Shape.Window, 4095),
        _ => throw new ArgumentException($"Unknown attention case '{name}'.", nameof(name)),
    };

    [GlobalSetup]
    public void Setup()
    {
        var acc = accelerator = Accelerators.Create(Accelerators.ParseBackend(Backend));
        var q = Floats((long)ChunkTokens * Shape.QueryRowLength, 1);
        var k = Floats((long)ChunkTokens * Shape.KvRowLength, 2);
        var v = Floats((long)ChunkTokens * Shape.KvRowLength, 3);
        var kCache = Floats(Shape.CacheElements, 4);
        var vCache = Floats(Shape.CacheElements, 5);
        var output = Own(acc.Allocate<float>((long)ChunkTokens * Shape.QueryRowLength));
        var table = Own(RopeTable.Create(acc, Shape.HeadDim, 10000f));
        var scratch = Own(AttentionScratch.Create(acc, Shape));
        var qRow = q.Slice(0, Shape.QueryRowLength);
        var outRow = output.Slice(0, Shape.QueryRowLength);
        call = AttentionCase switch
        {
            "Rope t128" => () => MistralKernels.Rope(acc, q, k, table, ChunkTokens, 0, Shape.NHeads, Shape.NKvHeads, Shape.HeadDim),
            "KvCacheWrite t128" => () => MistralKernels.KvCacheWrite(acc, k, v, kCache, vCache, Shape, ChunkTokens, 0),
            "AttentionPrefill t128" => () => MistralKernels.AttentionPrefill(acc, q, k, v, kCache, vCache, output, Shape, ChunkTokens, 0),
            "AttentionDecode pos511" => () => MistralKernels.AttentionDecode(acc, qRow, kCache, vCache, outRow, Shape, 511, scratch),
            "AttentionDecode pos4095" => () => MistralKernels.AttentionDecode(acc, qRow, kCache, vCache, outRow, Shape, 4095, scratch),
            _ => throw new ArgumentException($"Unknown attention case '{AttentionCase}'."),
        };
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

    private DeviceBuffer<float> Floats(long count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return Own(accelerator!.Upload<float>(values));
    }
}

/// <summary>GB/s and GFLOP/s of the attention rows (from the fastest call), by <see cref="AttentionBenchmarks.CostOf"/>.</summary>
public sealed class AttentionColumns : ManualConfig
{
    public AttentionColumns() => AddColumn(new AttentionRateColumn(true), new AttentionRateColumn(false));

    private sealed class AttentionRateColumn(bool bytes) : IColumn
    {
        public string Id => bytes ? "AttentionGBps" : "AttentionGFlops";
        public string ColumnName => bytes ? "Attn GB/s" : "Attn GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => bytes ? 20 : 21;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => bytes ? "Compulsory bytes per attention call over the fastest call's time" : "FLOPs per attention call over the fastest call's time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (BenchConfig.Parameter(benchmarkCase, nameof(AttentionBenchmarks.AttentionCase)) is not { } name
                || summary[benchmarkCase]?.ResultStatistics is not { } stats) return "-";
            var cost = AttentionBenchmarks.CostOf(name);
            double seconds = stats.Min / 1e9;
            return bytes ? $"{cost.BytesMoved / seconds / 1e9:F2}" : $"{cost.Flops / seconds / 1e9:F2}";
        }
    }
}
