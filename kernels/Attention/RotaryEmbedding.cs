// RoPE, interleaved pairs. For token t at position p = startPos + t, each head's pair (x[2i], x[2i+1]) is
// treated as a complex number and multiplied by e^{i·angle}, angle = fp32(p · invFreq[i]):
//     x'[2i]   = x[2i]·cos − x[2i+1]·sin
//     x'[2i+1] = x[2i]·sin + x[2i+1]·cos
// q [tokens, nHeads, headDim] and k [tokens, nKvHeads, headDim] are rotated in place by one launch.
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
using Mistral.Gpu.Language;

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
            if (head < nHeads)
            {
                int at = (token * nHeads + head) * headDim + 2 * pair;
                float re = q[at];
                float im = q[at + 1];
                q[at] = re * cosine - im * sine;
                q[at + 1] = re * sine + im * cosine;
            }
            else
            {
                int at = (token * nKvHeads + head - nHeads) * headDim + 2 * pair;
                float re = k[at];
                float im = k[at + 1];
                k[at] = re * cosine - im * sine;
                k[at + 1] = re * sine + im * cosine;
            }
        }
    }
}
