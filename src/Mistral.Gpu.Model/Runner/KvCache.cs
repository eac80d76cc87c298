using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// The rotating key/value cache: per layer, <c>kCache</c> and <c>vCache</c> of shape
/// <c>[NKvHeads, CacheSlots, HeadDim]</c> in fp32 or fp16 (<see cref="KvCacheFormat"/>). Position p lives in slot
/// <c>p % CacheSlots</c>. It also routes the attention calls of a layer to the kernels of its format.
/// </summary>
/// <remarks>
/// With a sliding window W the cache holds W slots, so its memory is O(window) however long the
/// text; without one it holds the whole context. Nothing needs clearing between sequences: the
/// attention kernels only read slots of positions below the current one.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Accelerator accelerator;
    private readonly DeviceBuffer<float>[] keys = [], values = [];
    private readonly DeviceBuffer<Half>[] keysHalf = [], valuesHalf = [];

    /// <summary>Allocates the cache for <paramref name="layers"/> layers of attention shaped <paramref name="shape"/>.</summary>
    /// <param name="accelerator">The device that holds the cache.</param>
    /// <param name="layers">Number of transformer layers.</param>
    /// <param name="shape">Heads, head size, slots and window.</param>
    /// <param name="format">fp32 (default) or fp16 elements.</param>
    public KvCache(Accelerator accelerator, int layers, AttentionShape shape, KvCacheFormat format = KvCacheFormat.Fp32)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        this.accelerator = accelerator;
        Shape = shape;
        Format = format;
        Layers = layers;
        long elements = shape.CacheElements;
        try
        {
            if (format == KvCacheFormat.Fp16)
            {
                keysHalf = new DeviceBuffer<Half>[layers];
                valuesHalf = new DeviceBuffer<Half>[layers];
                for (int l = 0; l < layers; l++)
                {
                    keysHalf[l] = accelerator.Allocate<Half>(elements);
                    valuesHalf[l] = accelerator.Allocate<Half>(elements);
                }
            }
            else
            {
                keys = new DeviceBuffer<float>[layers];
                values = new DeviceBuffer<float>[layers];
                for (int l = 0; l < layers; l++)
                {
                    keys[l] = accelerator.Allocate<float>(elements);
                    values[l] = accelerator.Allocate<float>(elements);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Heads, head size, slots and window of every layer's cache.</summary>
    public AttentionShape Shape { get; }

    /// <summary>How keys and values are stored.</summary>
    public KvCacheFormat Format { get; }

    /// <summary>Number of slots per layer (the window, or the whole context without one).</summary>
    public int CacheSlots => Shape.CacheSlots;

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Bytes of device memory the cache holds: 2 (K and V) x layers x slots x KV heads x head size x 4 or 2.</summary>
    public long DeviceBytes => 2L * Layers * Shape.CacheElements * KvCacheFormats.BytesPerElement(Format);

    /// <summary>Layer <paramref name="layer"/>'s fp32 key cache.</summary>
    /// <param name="layer">Layer index.</param>
    /// <exception cref="InvalidOperationException">The cache is fp16 (use <see cref="KeysHalf"/>).</exception>
    public DeviceBuffer<float> Keys(int layer) => Format == KvCacheFormat.Fp32 ? keys[layer] : throw NotThis("Keys", "KeysHalf");

    /// <summary>Layer <paramref name="layer"/>'s fp32 value cache.</summary>
    /// <param name="layer">Layer index.</param>
    /// <exception cref="InvalidOperationException">The cache is fp16 (use <see cref="ValuesHalf"/>).</exception>
    public DeviceBuffer<float> Values(int layer) => Format == KvCacheFormat.Fp32 ? values[layer] : throw NotThis("Values", "ValuesHalf");

    /// <summary>Layer <paramref name="layer"/>'s fp16 key cache.</summary>
    /// <param name="layer">Layer index.</param>
    /// <exception cref="InvalidOperationException">The cache is fp32 (use <see cref="Keys"/>).</exception>
    public DeviceBuffer<Half> KeysHalf(int layer) => Format == KvCacheFormat.Fp16 ? keysHalf[layer] : throw NotThis("KeysHalf", "Keys");

    /// <summary>Layer <paramref name="layer"/>'s fp16 value cache.</summary>
    /// <param name="layer">Layer index.</param>
    /// <exception cref="InvalidOperationException">The cache is fp32 (use <see cref="Values"/>).</exception>
    public DeviceBuffer<Half> ValuesHalf(int layer) => Format == KvCacheFormat.Fp16 ? valuesHalf[layer] : throw NotThis("ValuesHalf", "Values");

    /// <summary>Writes a chunk's k and v <c>[tokens, NKvHeads, HeadDim]</c> at positions <paramref name="startPos"/>.. into layer <paramref name="layer"/>.</summary>
    /// <param name="layer">Layer index.</param>
    /// <param name="k">The chunk's keys (after RoPE).</param>
    /// <param name="v">The chunk's values.</param>
    /// <param name="tokens">Tokens in the chunk.</param>
    /// <param name="startPos">Position of the first.</param>
    public void Write(int layer, BufferView<float> k, BufferView<float> v, int tokens, int startPos)
    {
        if (Format == KvCacheFormat.Fp16) MistralKernels.KvCacheWrite(accelerator, k, v, keysHalf[layer], valuesHalf[layer], Shape, tokens, startPos);
        else MistralKernels.KvCacheWrite(accelerator, k, v, keys[layer], values[layer], Shape, tokens, startPos);
    }

    /// <summary>
    /// The decode token's RoPE and cache write in one launch: q and k rotated in place by <paramref name="position"/>,
    /// and the rotated k and v stored in layer <paramref name="layer"/>'s slot for it.
    /// </summary>
    /// <param name="layer">Layer index.</param>
    /// <param name="q">The token's queries <c>[NHeads, HeadDim]</c>.</param>
    /// <param name="k">The token's keys <c>[NKvHeads, HeadDim]</c>.</param>
    /// <param name="v">The token's values.</param>
    /// <param name="rope">The model's RoPE table.</param>
    /// <param name="position">The token's position.</param>
    public void RotateAndWrite(int layer, BufferView<float> q, BufferView<float> k, BufferView<float> v, RopeTable rope, int position)
    {
        if (Format == KvCacheFormat.Fp16) MistralKernels.RopeKvCacheWrite(accelerator, q, k, v, rope, keysHalf[layer], valuesHalf[layer], Shape, position);
        else MistralKernels.RopeKvCacheWrite(accelerator, q, k, v, rope, keys[layer], values[layer], Shape, position);
    }

    /// <summary>Prefill attention of a chunk over layer <paramref name="layer"/>'s cache plus the chunk's own k/v (call before <see cref="Write"/>).</summary>
    /// <param name="layer">Layer index.</param>
    /// <param name="q">The chunk's queries <c>[tokens, NHeads, HeadDim]</c>.</param>
    /// <param name="k">The chunk's keys.</param>
    /// <param name="v">The chunk's values.</param>
    /// <param name="output">Attention output <c>[tokens, NHeads, HeadDim]</c>.</param>
    /// <param name="tokens">Tokens in the chunk.</param>
    /// <param name="startPos">Position of the first.</param>
    public void AttendPrefill(int layer, BufferView<float> q, BufferView<float> k, BufferView<float> v, BufferView<float> output, int tokens, int startPos)
    {
        if (Format == KvCacheFormat.Fp16)
            MistralKernels.AttentionPrefill(accelerator, q, k, v, keysHalf[layer], valuesHalf[layer], output, Shape, tokens, startPos);
        else MistralKernels.AttentionPrefill(accelerator, q, k, v, keys[layer], values[layer], output, Shape, tokens, startPos);
    }

    /// <summary>Decode attention of the token at <paramref name="position"/> over layer <paramref name="layer"/>'s cache (its own k/v written first).</summary>
    /// <param name="layer">Layer index.</param>
    /// <param name="q">The token's query <c>[NHeads, HeadDim]</c>.</param>
    /// <param name="output">Attention output <c>[NHeads, HeadDim]</c>.</param>
    /// <param name="position">The token's position.</param>
    /// <param name="scratch">Flash-decoding's partial results.</param>
    public void AttendDecode(int layer, BufferView<float> q, BufferView<float> output, int position, AttentionScratch scratch)
    {
        if (Format == KvCacheFormat.Fp16)
            MistralKernels.AttentionDecode(accelerator, q, keysHalf[layer], valuesHalf[layer], output, Shape, position, scratch);
        else MistralKernels.AttentionDecode(accelerator, q, keys[layer], values[layer], output, Shape, position, scratch);
    }

    private InvalidOperationException NotThis(string asked, string instead) =>
        new($"The KV cache is {KvCacheFormats.Name(Format)}: {asked} does not exist, use {instead}.");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var buffer in keys) buffer?.Dispose();
        foreach (var buffer in values) buffer?.Dispose();
        foreach (var buffer in keysHalf) buffer?.Dispose();
        foreach (var buffer in valuesHalf) buffer?.Dispose();
    }
}
