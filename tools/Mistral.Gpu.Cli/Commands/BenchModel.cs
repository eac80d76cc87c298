using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// What the bench runs: the runner's own <see cref="MistralModel"/> and <see cref="Transformer"/> (so it times the
/// forward pass users run, not a copy of it), over a checkpoint or random weights of a real shape, with the memory
/// each part took counted from the accelerator's allocation counter.
/// </summary>
internal sealed class BenchModel : IDisposable
{
    private readonly bool ownsModel;

    private BenchModel(MistralModel model, bool ownsModel, WeightEncoding encoding, int maxTokens, KvCacheFormat cacheFormat)
    {
        Model = model;
        this.ownsModel = ownsModel;
        Encoding = encoding;
        var accelerator = model.Accelerator;
        long before = accelerator.AllocatedBytes;
        Runner = new Transformer(model, maxTokens, cacheFormat);
        KvCacheBytes = Runner.Cache.DeviceBytes;
        ScratchBytes = accelerator.AllocatedBytes - before - KvCacheBytes;
    }

    public MistralModel Model { get; }
    public Transformer Runner { get; }
    public Accelerator Accelerator => Model.Accelerator;
    /// <summary>The config at the head size the kernels run (heads the loader zero-padded are benchmarked padded).</summary>
    public ModelConfig Config => Model.Config with { HeadDim = Model.Attention.HeadDim };
    public WeightEncoding Encoding { get; }
    public KvCacheFormat CacheFormat => Runner.Cache.Format;
    public int CacheSlots => Runner.Cache.CacheSlots;
    public int MaxTokens => Runner.MaxChunk;
    public int Window => Model.Config.SlidingWindow ?? int.MaxValue;
    public long WeightsBytes => Model.WeightBytes;
    public long KvCacheBytes { get; }
    public long ScratchBytes { get; }

    /// <summary>
    /// A model of <paramref name="config"/>'s shape with random weights (see <see cref="BenchRandomWeights"/>): the
    /// same bytes and launches as the real checkpoint, so the same work.
    /// </summary>
    public static BenchModel CreateSynthetic(Accelerator accelerator, ModelConfig config, WeightEncoding encoding, int contextLength,
        int maxTokens, int seed, Action<int, int>? progress = null, KvCacheFormat cacheFormat = KvCacheFormat.Fp32)
    {
        var random = new BenchRandomWeights(accelerator, encoding, seed);
        var model = MistralModel.Create(accelerator, config, random,
            new ModelLoadOptions { ContextLength = contextLength, Progress = progress is null ? null : (done, total, _) => progress(done, total) });
        return Prepare(model, ownsModel: true, encoding, maxTokens, cacheFormat, random);
    }

    /// <summary>The checkpoint's model, loaded for <paramref name="contextLength"/> positions (the cache the bench needs, not the config's maximum).</summary>
    public static BenchModel Load(Accelerator accelerator, IModelCheckpoint checkpoint, WeightEncoding encoding, int contextLength, int maxTokens,
        KvCacheFormat cacheFormat = KvCacheFormat.Fp32)
    {
        var format = encoding.BitsPerWeight switch { 4 => WeightFormat.Int4, 16 => WeightFormat.Fp16, _ => WeightFormat.Fp32 };
        var model = MistralModel.Load(accelerator, checkpoint,
            new ModelLoadOptions { Precision = format, GroupSize = Math.Max(encoding.GroupSize, 32), ContextLength = contextLength });
        return Prepare(model, ownsModel: true, BenchCosts.EncodingOf(model.Output), maxTokens, cacheFormat, new BenchRandomWeights(accelerator, encoding, seed: 1));
    }

    private static BenchModel Prepare(MistralModel model, bool ownsModel, WeightEncoding encoding, int maxTokens, KvCacheFormat cacheFormat, BenchRandomWeights random)
    {
        BenchModel? bench = null;
        try
        {
            bench = new BenchModel(model, ownsModel, encoding, maxTokens, cacheFormat);
            bench.FillCaches(random);
            return bench;
        }
        catch
        {
            if (bench is not null) bench.Dispose();
            else if (ownsModel) model.Dispose();
            throw;
        }
    }

    /// <summary>Writes every cache page, as a prompt would have (see <see cref="BenchRandomWeights.Fill(DeviceBuffer{float}, float)"/>).</summary>
    private void FillCaches(BenchRandomWeights random)
    {
        var cache = Runner.Cache;
        for (int l = 0; l < cache.Layers; l++)
        {
            if (cache.Format == KvCacheFormat.Fp16)
            {
                random.Fill(cache.KeysHalf(l), 1);
                random.Fill(cache.ValuesHalf(l), 1);
            }
            else
            {
                random.Fill(cache.Keys(l), 1);
                random.Fill(cache.Values(l), 1);
            }
        }
    }

    public void Dispose()
    {
        Runner.Dispose();
        if (ownsModel) Model.Dispose();
    }
}
