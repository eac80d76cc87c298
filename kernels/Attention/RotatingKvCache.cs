// Rotating KV cache write. Position p's k and v rows go to slot p % CacheSlots:
//     kCache[(startPos + t) % CacheSlots, :, :] = k[t, :, :]      (same for v)
// for the last min(tokens, CacheSlots) tokens of the chunk only: earlier ones would be overwritten
// by later ones in the same chunk, and writing both would race.
//
// Hardware shape: one lane per float of a [NKvHeads * HeadDim] row, rows consecutive, so reads and
// writes are contiguous runs of a whole row (coalesced); k and v share the index math.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>Writes a chunk's keys and values into the rotating (sliding-window) KV cache.</summary>
public static partial class RotatingKvCache
{
    /// <summary>Lanes per group of <see cref="Write"/>.</summary>
    public const int GroupLanes = 256;

    [Kernel]
    static void Write(
        KernelContext ctx,
        [Extent("(firstToken + count) * rowLength")] ReadOnlyView<float> k,
        [Extent("(firstToken + count) * rowLength")] ReadOnlyView<float> v,
        [Extent("cacheSlots * rowLength")] View<float> kCache,
        [Extent("cacheSlots * rowLength")] View<float> vCache,
        int firstToken,
        int count,
        int startPos,
        int rowLength,
        int cacheSlots)
    {
        int id = ctx.GlobalId.X;
        if (id >= count * rowLength) return;
        int token = firstToken + id / rowLength;
        int element = id % rowLength;
        int slot = (startPos + token) % cacheSlots;
        kCache[slot * rowLength + element] = k[token * rowLength + element];
        vCache[slot * rowLength + element] = v[token * rowLength + element];
    }
}
