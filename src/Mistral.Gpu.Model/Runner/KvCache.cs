using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// The rotating key/value cache: per layer, <c>kCache</c> and <c>vCache</c> of shape
/// <c>[CacheSlots, NKvHeads, HeadDim]</c> in fp32. Position p lives in slot <c>p % CacheSlots</c>.
/// </summary>
/// <remarks>
/// With a sliding window W the cache holds W slots, so its memory is O(window) however long the
/// text; without one it holds the whole context. Nothing needs clearing between sequences: the
/// attention kernels only read slots of positions below the current one.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly DeviceBuffer<float>[] keys;
    private readonly DeviceBuffer<float>[] values;

    /// <summary>Allocates the cache for <paramref name="layers"/> layers of attention shaped <paramref name="shape"/>.</summary>
    /// <param name="accelerator">The device that holds the cache.</param>
    /// <param name="layers">Number of transformer layers.</param>
    /// <param name="shape">Heads, head size, slots and window.</param>
    public KvCache(Accelerator accelerator, int layers, AttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Shape = shape;
        long slotElements = (long)shape.CacheSlots * shape.NKvHeads * shape.HeadDim;
        keys = new DeviceBuffer<float>[layers];
        values = new DeviceBuffer<float>[layers];
        try
        {
            for (int l = 0; l < layers; l++)
            {
                keys[l] = accelerator.Allocate<float>(slotElements);
                values[l] = accelerator.Allocate<float>(slotElements);
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

    /// <summary>Number of slots per layer (the window, or the whole context without one).</summary>
    public int CacheSlots => Shape.CacheSlots;

    /// <summary>Number of layers.</summary>
    public int Layers => keys.Length;

    /// <summary>Bytes of device memory the cache holds.</summary>
    public long DeviceBytes => 2L * keys.Length * Shape.CacheSlots * Shape.NKvHeads * Shape.HeadDim * sizeof(float);

    /// <summary>Layer <paramref name="layer"/>'s key cache.</summary>
    /// <param name="layer">Layer index.</param>
    public DeviceBuffer<float> Keys(int layer) => keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s value cache.</summary>
    /// <param name="layer">Layer index.</param>
    public DeviceBuffer<float> Values(int layer) => values[layer];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var buffer in keys) buffer?.Dispose();
        foreach (var buffer in values) buffer?.Dispose();
    }
}
