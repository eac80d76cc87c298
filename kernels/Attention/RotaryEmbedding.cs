// RoPE, interleaved pairs. For token t at position p = startPos + t, each head's pair (x[2i], x[2i+1]) is
// treated as a complex number and multiplied by e^{i·angle}, angle = fp32(p · invFreq[i]):
//     x'[2i]   = x[2i]·cos − x[2i+1]·sin
//     x'[2i+1] = x[2i]·sin + x[2i+1]·cos
// q [tokens, nHeads, headDim] and k [tokens, nKvHeads, headDim] are rotated in place by one launch; for a decode
// token RotateIntoCache also stores the rotated k and v into the rotating cache in the same launch.
//
// Hardware shape: one lane per (token, pair, run of 8 heads), pair fastest, so a warp touches 32
// consecutive pairs (256 contiguous bytes) of one head row per step: coalesced. The angle is formed in
// fp32 exactly as the reference (torch.outer in fp32); its cos/sin are computed once per lane and
// applied to 8 heads, which cuts the trig 8x (it dominated on CPU OpenCL) while keeping
// tokens x pairs x heads/8 lanes, enough parallelism even for a single decode token.
// The angle reaches ~1e4 rad at long contexts; it is first reduced to [-π, π] with a three-part 2π
// (Cody-Waite, exact first step thanks to the FMA), so device sin/cos (fast-math approximations
// included, accurate only near zero) see a small argument: error ~3e-7 at any position below 2^24.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

/// <summary>Rotary position embedding (RoPE) with interleaved pairs, applied to q and k in place.</summary>
public static partial class RotaryEmbedding
{
    /// <summary>Lanes per group of <see cref="RotatePairs"/>.</summary>
    public const int GroupLanes = 128;

    /// <summary>Heads (q heads then k heads) one lane rotates with the same cos/sin.</summary>
    public const int HeadsPerLane = 8;

    private const float TwoPiHigh = 6.28318548f;
    private const float TwoPiMiddle = -1.74845553e-7f;
    private const float TwoPiLow = -6.86049804e-15f;
    private const float InverseTwoPi = 0.159154937f;

    /// <summary>angle − 2π·round(angle / 2π), within ~3e-7 of the exact reduction for |angle| &lt; 2^24.</summary>
    [KernelHelper]
    static float ReduceAngle(float angle)
    {
        float turns = XMath.Floor(angle * InverseTwoPi + 0.5f);
        float reduced = KMath.Fma(-turns, TwoPiHigh, angle);
        reduced = KMath.Fma(-turns, TwoPiMiddle, reduced);
        return KMath.Fma(-turns, TwoPiLow, reduced);
    }

    [Kernel]
    static void RotatePairs(
        [Extent("tokens * nHeads * headDim")] ArrayView<float> q,
        [Extent("tokens * nKvHeads * headDim")] ArrayView<float> k,
        [Extent("headDim / 2")] ArrayView<float> inverseFrequencies,
        int tokens,
        int startPos,
        int nHeads,
        int nKvHeads,
        int headDim)
    {
        int pairs = headDim / 2;
        int heads = nHeads + nKvHeads;
        int headRuns = (heads + HeadsPerLane - 1) / HeadsPerLane;
        int id = Grid.GlobalIndex.X;
        if (id >= tokens * headRuns * pairs) return;
        int pair = id % pairs;
        int run = id / pairs % headRuns;
        int token = id / (pairs * headRuns);
        float angle = (float)(startPos + token) * inverseFrequencies[pair];
        float reduced = ReduceAngle(angle);
        float cosine = XMath.Cos(reduced);
        float sine = XMath.Sin(reduced);
        int lastHead = KMath.Min(heads, (run + 1) * HeadsPerLane);
        for (int head = run * HeadsPerLane; head < lastHead; head++)
        {
            if (head < nHeads) Rotate(q, (token * nHeads + head) * headDim + 2 * pair, cosine, sine);
            else Rotate(k, (token * nKvHeads + head - nHeads) * headDim + 2 * pair, cosine, sine);
        }
    }

    /// <summary>The pair (x[at], x[at + 1]) times e^{i·angle}, in place.</summary>
    [KernelHelper]
    static void Rotate(ArrayView<float> x, int at, float cosine, float sine)
    {
        float re = x[at];
        float im = x[at + 1];
        x[at] = re * cosine - im * sine;
        x[at + 1] = re * sine + im * cosine;
    }

    /// <summary>
    /// The decode step's RoPE and cache write in one launch: one token at <paramref name="position"/>, q and k rotated in
    /// place as <see cref="RotatePairs"/> does, and each KV head's rotated k pair and its v pair stored in slot
    /// position % cacheSlots of the rotating cache (halves, rounded to nearest even, for an fp16 cache), as
    /// RotatingKvCache.Write stores them. Saves the second launch per layer and a re-read of k.
    /// </summary>
    [Kernel]
    static void RotateIntoCache(
        [Extent("nHeads * headDim")] ArrayView<float> q,
        [Extent("nKvHeads * headDim")] ArrayView<float> k,
        [Extent("nKvHeads * headDim")] ArrayView<float> v,
        [Extent("headDim / 2")] ArrayView<float> inverseFrequencies,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> kCache,
        [Extent("(1 - fp16Cache) * cacheSlots * nKvHeads * headDim")] ArrayView<float> vCache,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> kCacheHalf,
        [Extent("fp16Cache * cacheSlots * nKvHeads * headDim")] ArrayView<Half> vCacheHalf,
        int position,
        int nHeads,
        int nKvHeads,
        int headDim,
        int cacheSlots,
        [Specialize(0, 1)] SpecializedValue<int> fp16Cache)
    {
        int pairs = headDim / 2;
        int heads = nHeads + nKvHeads;
        int headRuns = (heads + HeadsPerLane - 1) / HeadsPerLane;
        int id = Grid.GlobalIndex.X;
        if (id >= headRuns * pairs) return;
        int pair = id % pairs;
        int run = id / pairs;
        float reduced = ReduceAngle((float)position * inverseFrequencies[pair]);
        float cosine = XMath.Cos(reduced);
        float sine = XMath.Sin(reduced);
        int slot = position % cacheSlots;
        int lastHead = KMath.Min(heads, (run + 1) * HeadsPerLane);
        for (int head = run * HeadsPerLane; head < lastHead; head++)
        {
            if (head < nHeads)
            {
                Rotate(q, head * headDim + 2 * pair, cosine, sine);
            }
            else
            {
                int kvHead = head - nHeads;
                int at = kvHead * headDim + 2 * pair;
                Rotate(k, at, cosine, sine);
                int to = (kvHead * cacheSlots + slot) * headDim + 2 * pair;
                if (fp16Cache == 1)
                {
                    kCacheHalf[to] = (Half)KMath.HalfRounded(k[at]);
                    kCacheHalf[to + 1] = (Half)KMath.HalfRounded(k[at + 1]);
                    vCacheHalf[to] = (Half)KMath.HalfRounded(v[at]);
                    vCacheHalf[to + 1] = (Half)KMath.HalfRounded(v[at + 1]);
                }
                else
                {
                    kCache[to] = k[at];
                    kCache[to + 1] = k[at + 1];
                    vCache[to] = v[at];
                    vCache[to + 1] = v[at + 1];
                }
            }
        }
    }
}
