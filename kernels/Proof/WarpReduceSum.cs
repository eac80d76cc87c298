// WarpReduceSum: partialSums[g] = sum of x[i] over the 256 elements of group g (zero past n).
//
// Two levels instead of a log2(256)-step shared tree: each warp sums its 32 values in registers
// (Warp.ReduceSum, 5 shuffles, no barrier), warp leaders park 8 sums in shared memory, and after
// one barrier every warp reduces those 8 again so the collective stays uniform across the group.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>One partial sum per group of <see cref="ReduceGroupSize"/> lanes, by warp shuffles.</summary>
    /// <param name="ctx">The lane.</param>
    /// <param name="x">The values.</param>
    /// <param name="partialSums">One sum per group.</param>
    /// <param name="n">Number of values.</param>
    [Kernel]
    public static void WarpReduceSum(KernelContext ctx, [Extent("n")] ReadOnlyView<float> x, [Extent("(n + 255) / 256")] View<float> partialSums, int n)
    {
        var warpSums = Shared.Allocate<float>(ReduceGroupSize / Warp.Size);
        int i = ctx.GlobalId.X;
        float value = i < n ? x[i] : 0f;
        float warpSum = Warp.ReduceSum(value);
        if (ctx.WarpLaneId == 0) warpSums[ctx.WarpId] = warpSum;
        Group.Barrier();
        int warps = ctx.GroupSize.X / Warp.Size;
        float parked = ctx.WarpLaneId < warps ? warpSums[ctx.WarpLaneId] : 0f;
        float total = Warp.ReduceSum(parked);
        if (ctx.LinearLaneId == 0) partialSums[ctx.GroupId.X] = total;
    }
}
