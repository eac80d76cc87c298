// Greedy decoding on the device: for each row of logits,
//     result = min { j : logits[j] = max_k logits[k] }   (NaN ignored; -1 when every value is NaN)
// so only 4 bytes per row cross back to the host instead of the vocabulary's logits.
// One group per row: lanes stride the row keeping (best value, lowest index), a warp butterfly of
// shuffles merges lanes with the same tie rule, one shared slot per warp merges warps. NaN never
// compares greater or equal, so it is never taken; -inf is taken by index like any value.
using ILGPU;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

/// <summary>The row-wise argmax kernel.</summary>
public static partial class ArgmaxKernels
{
    /// <summary>The "no index yet" sentinel; a row of NaNs reports -1.</summary>
    public const int NoIndex = int.MaxValue;

    [Kernel]
    static void Argmax(ArrayView<float> logits, ArrayView<int> result, int vocab)
    {
        int row = Grid.IdxX;
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int rowStart = row * vocab;
        float best = float.NegativeInfinity;
        int bestIndex = 2147483647;
        for (int j = lane; j < vocab; j += lanes)
        {
            float v = logits[rowStart + j];
            if (Better(v, j, best, bestIndex))
            {
                best = v;
                bestIndex = j;
            }
        }

        for (int mask = 16; mask > 0; mask >>= 1)
        {
            float otherValue = Warp.ShuffleXor(best, mask);
            int otherIndex = Warp.ShuffleXor(bestIndex, mask);
            if (Better(otherValue, otherIndex, best, bestIndex))
            {
                best = otherValue;
                bestIndex = otherIndex;
            }
        }

        ArrayView<float> warpBest = SharedMemory.Allocate<float>(32);
        ArrayView<int> warpIndex = SharedMemory.Allocate<int>(32);
        if (Warp.LaneIdx == 0)
        {
            warpBest[Warp.WarpIdx] = best;
            warpIndex[Warp.WarpIdx] = bestIndex;
        }
        Group.Barrier();
        if (lane == 0)
        {
            float b = warpBest[0];
            int bi = warpIndex[0];
            int warps = lanes / 32;
            for (int w = 1; w < warps; w++)
            {
                if (Better(warpBest[w], warpIndex[w], b, bi))
                {
                    b = warpBest[w];
                    bi = warpIndex[w];
                }
            }
            result[row] = bi == 2147483647 ? -1 : bi;
        }
    }

    /// <summary>Whether (v, i) beats (best, bestIndex): larger value, or equal value at a lower index. NaN never wins.</summary>
    [KernelHelper]
    static bool Better(float v, int i, float best, int bestIndex)
    {
        return v > best || (v == best && i < bestIndex);
    }
}
