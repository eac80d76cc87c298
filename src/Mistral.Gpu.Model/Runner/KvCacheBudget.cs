using System.Globalization;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// Checks, before anything is allocated, that the KV cache a context needs fits the device: a context
/// far beyond the device's memory would otherwise spend a minute allocating (or paging) before failing
/// without saying why. Sizes are computed in 64 bits throughout.
/// </summary>
public static class KvCacheBudget
{
    /// <summary>Bytes of the K and V caches of every layer for <paramref name="shape"/>.</summary>
    /// <param name="config">The model (its layer count).</param>
    /// <param name="shape">Heads, head size and cache slots.</param>
    /// <param name="format">fp32 or fp16 elements.</param>
    public static long Bytes(ModelConfig config, AttentionShape shape, KvCacheFormat format) =>
        2L * config.NLayers * shape.CacheSlots * shape.KvRowLength * KvCacheFormats.BytesPerElement(format);

    /// <summary>Throws when the cache for <paramref name="context"/> positions cannot fit <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">The device (its memory, when it reports one).</param>
    /// <param name="config">The model.</param>
    /// <param name="shape">The attention shape the context gives.</param>
    /// <param name="format">The cache format.</param>
    /// <param name="context">The context asked for, for the message.</param>
    /// <exception cref="ArgumentException">The cache is larger than the device's memory or than one buffer can be, with the numbers.</exception>
    public static void Check(Accelerator accelerator, ModelConfig config, AttentionShape shape, KvCacheFormat format, int context)
    {
        long bytes = Bytes(config, shape, format);
        long perSlot = bytes / shape.CacheSlots;
        long memory = accelerator.Info.MemoryBytes;
        string alternative = format == KvCacheFormat.Fp32 ? " or --kv-cache fp16" : "";
        if (memory > 0 && bytes > memory)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"a context of {context} positions needs {Gib(bytes)} of KV cache ({config.NLayers} layers x {shape.CacheSlots} slots x {shape.KvRowLength} values x K and V, {KvCacheFormats.Name(format)}), but {accelerator.Info.Name} has {Gib(memory)}; use --context {Math.Max(1, memory / perSlot)} or less{alternative}"));
        if (shape.CacheElements > int.MaxValue)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"a context of {context} positions needs {shape.CacheElements} cache elements per layer, more than one device buffer holds (2^31); use --context {int.MaxValue / shape.KvRowLength} or less"));
    }

    private static string Gib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB");
}
