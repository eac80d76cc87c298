using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>One transformer block's weights: norms and the seven linear layers (its K/V cache is layer <c>l</c> of <see cref="BenchModel.Cache"/>).</summary>
internal sealed record BenchLayer(
    DeviceBuffer<float> AttentionNorm, DeviceBuffer<float> FfnNorm,
    LinearWeights Wq, LinearWeights Wk, LinearWeights Wv, LinearWeights Wo,
    LinearWeights W1, LinearWeights W2, LinearWeights W3);

/// <summary>
/// A Mistral-shaped model on the device with everything a forward pass touches: weights, a
/// rotating K/V cache of <see cref="CacheSlots"/> positions per layer, and activations for up to
/// <see cref="MaxTokens"/> tokens at once. Memory is counted from the accelerator's allocation
/// counter between the three phases, so the figures are what was really allocated.
/// </summary>
internal sealed class BenchModel : IDisposable
{
    private readonly List<IDisposable> owned = [];

    private BenchModel(Accelerator accelerator, ModelConfig config, WeightEncoding encoding, int cacheSlots, int maxTokens, KvCacheFormat cacheFormat)
    {
        Accelerator = accelerator;
        Config = config;
        Encoding = encoding;
        CacheFormat = cacheFormat;
        CacheSlots = cacheSlots;
        MaxTokens = maxTokens;
        Attention = new AttentionShape(config.NHeads, config.NKvHeads, config.HeadDim, cacheSlots, config.SlidingWindow ?? int.MaxValue);
    }

    public Accelerator Accelerator { get; }
    public ModelConfig Config { get; }
    public WeightEncoding Encoding { get; }
    public KvCacheFormat CacheFormat { get; }
    public int CacheSlots { get; }
    public int MaxTokens { get; }
    /// <summary>Every layer's rotating K/V cache, in <see cref="CacheFormat"/>; it also routes the attention launches.</summary>
    public Model.Runner.KvCache Cache { get; private set; } = null!;
    public AttentionShape Attention { get; }
    public int Window => Config.SlidingWindow ?? int.MaxValue;

    public DeviceBuffer<float> Embedding { get; private set; } = null!;
    public DeviceBuffer<float> FinalNorm { get; private set; } = null!;
    public LinearWeights Output { get; private set; } = null!;
    public IReadOnlyList<BenchLayer> Layers { get; private set; } = [];
    public RopeTable Rope { get; private set; } = null!;
    public AttentionScratch Scratch { get; private set; } = null!;

    /// <summary>Residual stream [MaxTokens, Dim].</summary>
    public DeviceBuffer<float> X { get; private set; } = null!;
    /// <summary>Normalised input of the next matmul [MaxTokens, Dim].</summary>
    public DeviceBuffer<float> H { get; private set; } = null!;
    public DeviceBuffer<float> Q { get; private set; } = null!;
    public DeviceBuffer<float> K { get; private set; } = null!;
    public DeviceBuffer<float> V { get; private set; } = null!;
    public DeviceBuffer<float> AttentionOut { get; private set; } = null!;
    /// <summary>What a block adds to the residual stream (attention or FFN output) [MaxTokens, Dim].</summary>
    public DeviceBuffer<float> Delta { get; private set; } = null!;
    public DeviceBuffer<float> Gate { get; private set; } = null!;
    public DeviceBuffer<float> Up { get; private set; } = null!;
    /// <summary>silu(gate) * up, the input of W2 [MaxTokens, HiddenDim]; its own buffer because kernel inputs must not alias outputs.</summary>
    public DeviceBuffer<float> Activated { get; private set; } = null!;
    public DeviceBuffer<float> Logits { get; private set; } = null!;
    public DeviceBuffer<int> Tokens { get; private set; } = null!;
    public DeviceBuffer<int> Next { get; private set; } = null!;

    public long WeightsBytes { get; private set; }
    public long KvCacheBytes { get; private set; }
    public long ScratchBytes { get; private set; }

    /// <summary>
    /// Allocates the model with random weights (see <see cref="BenchRandomWeights"/>): the same shapes,
    /// bytes and launches as the real checkpoint, so the same work.
    /// </summary>
    public static BenchModel CreateSynthetic(Accelerator accelerator, ModelConfig config, WeightEncoding encoding,
        int cacheSlots, int maxTokens, int seed, Action<int>? layerDone = null, KvCacheFormat cacheFormat = KvCacheFormat.Fp32)
    {
        var model = new BenchModel(accelerator, config, encoding, cacheSlots, maxTokens, cacheFormat);
        try
        {
            model.Allocate(new BenchRandomWeights(seed), layerDone);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Borrows the weights of a checkpoint loaded by the runner (they stay <paramref name="loaded"/>'s to
    /// free) and allocates the bench's own cache and activations. Heads the runner zero-padded to a
    /// supported size (<see cref="Model.Runner.HeadPadding"/>) are benchmarked at the padded size it runs.
    /// </summary>
    public static BenchModel FromLoaded(Model.Runner.MistralModel loaded, int cacheSlots, int maxTokens, KvCacheFormat cacheFormat = KvCacheFormat.Fp32)
    {
        var config = loaded.Config with { HeadDim = loaded.Attention.HeadDim };
        var model = new BenchModel(loaded.Accelerator, config, BenchForwardPass.EncodingOf(loaded.Output), cacheSlots, maxTokens, cacheFormat);
        try
        {
            model.Embedding = loaded.Embedding;
            model.FinalNorm = loaded.Norm;
            model.Output = loaded.Output;
            model.Rope = loaded.Rope;
            model.WeightsBytes = loaded.WeightBytes;
            model.Layers = loaded.Layers.Select(w => new BenchLayer(w.AttentionNorm, w.FfnNorm, w.Wq, w.Wk, w.Wv, w.Wo, w.W1, w.W2, w.W3)).ToList();
            model.AllocateCache();
            model.FillCaches(new BenchRandomWeights(seed: 1));
            model.AllocateScratch(ownRope: false);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void Allocate(BenchRandomWeights random, Action<int>? layerDone)
    {
        var c = Config;
        long before = Accelerator.AllocatedBytes;
        Embedding = Own(random.Vector(Accelerator, (long)c.VocabSize * c.Dim, 0, 0.05f));
        FinalNorm = Own(random.Vector(Accelerator, c.Dim, 1, 0.1f));
        Output = Own(random.Linear(Accelerator, c.VocabSize, c.Dim, Encoding));
        var layers = new List<(DeviceBuffer<float>, DeviceBuffer<float>, LinearWeights[])>();
        for (int l = 0; l < c.NLayers; l++)
        {
            layers.Add((Own(random.Vector(Accelerator, c.Dim, 1, 0.1f)), Own(random.Vector(Accelerator, c.Dim, 1, 0.1f)),
            [
                Own(random.Linear(Accelerator, c.QueryDim, c.Dim, Encoding)),
                Own(random.Linear(Accelerator, c.KvDim, c.Dim, Encoding)),
                Own(random.Linear(Accelerator, c.KvDim, c.Dim, Encoding)),
                Own(random.Linear(Accelerator, c.Dim, c.QueryDim, Encoding)),
                Own(random.Linear(Accelerator, c.HiddenDim, c.Dim, Encoding)),
                Own(random.Linear(Accelerator, c.Dim, c.HiddenDim, Encoding)),
                Own(random.Linear(Accelerator, c.HiddenDim, c.Dim, Encoding)),
            ]));
            layerDone?.Invoke(l);
        }
        WeightsBytes = Accelerator.AllocatedBytes - before;

        Layers = layers.Select(x => new BenchLayer(x.Item1, x.Item2, x.Item3[0], x.Item3[1], x.Item3[2], x.Item3[3], x.Item3[4], x.Item3[5], x.Item3[6])).ToList();
        AllocateCache();
        FillCaches(random);
        AllocateScratch(ownRope: true);
    }

    private void AllocateCache()
    {
        long before = Accelerator.AllocatedBytes;
        Cache = Own(new Model.Runner.KvCache(Accelerator, Layers.Count, Attention, CacheFormat));
        KvCacheBytes = Accelerator.AllocatedBytes - before;
    }

    /// <summary>Writes every cache page, as a prompt would have (see <see cref="BenchRandomWeights.Fill(DeviceBuffer{float}, float)"/>).</summary>
    private void FillCaches(BenchRandomWeights random)
    {
        for (int l = 0; l < Layers.Count; l++)
        {
            if (CacheFormat == KvCacheFormat.Fp16)
            {
                random.Fill(Cache.KeysHalf(l), 1);
                random.Fill(Cache.ValuesHalf(l), 1);
            }
            else
            {
                random.Fill(Cache.Keys(l), 1);
                random.Fill(Cache.Values(l), 1);
            }
        }
    }

    private void AllocateScratch(bool ownRope)
    {
        var c = Config;
        long before = Accelerator.AllocatedBytes;
        long t = MaxTokens;
        if (ownRope) Rope = Own(RopeTable.Create(Accelerator, c.HeadDim, (float)c.RopeTheta));
        Scratch = Own(AttentionScratch.Create(Accelerator, Attention));
        X = Own(Accelerator.Allocate<float>(t * c.Dim));
        H = Own(Accelerator.Allocate<float>(t * c.Dim));
        Q = Own(Accelerator.Allocate<float>(t * c.QueryDim));
        K = Own(Accelerator.Allocate<float>(t * c.KvDim));
        V = Own(Accelerator.Allocate<float>(t * c.KvDim));
        AttentionOut = Own(Accelerator.Allocate<float>(t * c.QueryDim));
        Delta = Own(Accelerator.Allocate<float>(t * c.Dim));
        Gate = Own(Accelerator.Allocate<float>(t * c.HiddenDim));
        Up = Own(Accelerator.Allocate<float>(t * c.HiddenDim));
        Activated = Own(Accelerator.Allocate<float>(t * c.HiddenDim));
        Logits = Own(Accelerator.Allocate<float>(c.VocabSize));
        Tokens = Own(Accelerator.Allocate<int>(t));
        Next = Own(Accelerator.Allocate<int>(1));
        ScratchBytes = Accelerator.AllocatedBytes - before;
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        owned.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        owned.Clear();
    }
}
