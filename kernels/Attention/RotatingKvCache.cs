// Rotating KV cache write. Position p's k and v rows go to slot p % CacheSlots of each KV head:
//     kCache[h, (startPos + t) % CacheSlots, :] = k[t, h, :]      (same for v)
// for the last min(tokens, CacheSlots) tokens of the chunk only: earlier ones would be overwritten
// by later ones in the same chunk, and writing both would race. With an fp16 cache the values are
// rounded to the nearest half (ties to even) as they are written.
//
// Layout [NKvHeads, CacheSlots, HeadDim], head-major: the keys one KV head attends are one contiguous
// run of memory, which is what a CPU's hardware prefetcher needs to stream them (with the slot-major
// [CacheSlots, NKvHeads, HeadDim] layout a decode group read 512 bytes every 4 KB and waited on DRAM
// latency: 5 GB/s instead of 25 on PoCL here); GPUs read a key row of HeadDim contiguous elements either way.
//
// Hardware shape: one lane per element of a [NKvHeads * HeadDim] token row, rows consecutive, so reads
// are contiguous and writes are contiguous runs of HeadDim; k and v share the index math.
using ILGPU;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

/// <summary>Writes a chunk's keys and values into the rotating (sliding-window) KV cache.</summary>
public static partial class RotatingKvCache
{
    /// <summary>Lanes per group of <see cref="Write"/>.</summary>
    public const int GroupLanes = 256;

    /// <summary>Element <paramref name="at"/> of the fp32 cache or, when <paramref name="isHalf"/> is 1, of the fp16 cache, as a float.</summary>
    /// <remarks>Kernels pass their fp16Cache specialization, a compile-time constant, so only one branch is compiled. (A helper
    /// parameter must not share a specialization's name: that name is a #define in the device source.)</remarks>
    [KernelHelper]
    internal static float Load(ArrayView<float> cache, ArrayView<Half> cacheHalf, int at, int isHalf) =>
        isHalf == 1 ? (float)cacheHalf[at] : cache[at];

    [Kernel]
    static void Write(
        [Extent("(firstToken + count) * nKvHeads * headDim")] ArrayView<float> k,
        [Extent("(firstToken + count) * nKvHeads * headDim")] ArrayView<float> v,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> kCache,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> vCache,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> kCacheHalf,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> vCacheHalf,
        int firstToken,
        int count,
        int startPos,
        int nKvHeads,
        int headDim,
        int cacheSlots,
        [Specialize(0, 1)] SpecializedValue<int> fp16Cache)
    {
        int rowLength = nKvHeads * headDim;
        int id = Grid.GlobalIndex.X;
        if (id >= count * rowLength) return;
        int token = firstToken + id / rowLength;
        int element = id % rowLength;
        int slot = (startPos + token) % cacheSlots;
        int to = (element / headDim * cacheSlots + slot) * headDim + element % headDim;
        int from = token * rowLength + element;
        if (fp16Cache == 1)
        {
            kCacheHalf[to] = (Half)KMath.HalfRounded(k[from]);
            vCacheHalf[to] = (Half)KMath.HalfRounded(v[from]);
        }
        else
        {
            kCache[to] = k[from];
            vCache[to] = v[from];
        }
    }
}
