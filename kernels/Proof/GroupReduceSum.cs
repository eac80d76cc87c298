// GroupReduceSum: partialSums[g] = sum of x[i] over the 256 elements of group g (zero past n).
//
// The classic shared-memory tree: each lane loads one element, then log2(256) halving steps add
// the upper half onto the lower half, with a barrier between steps so every lane sees the writes
// of the step before. It proves SharedMemory.Allocate, Group.Barrier and the CPU lock-step iterator.
using ILGPU;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Lanes per group the reduction kernels must be launched with.</summary>
    public const int ReduceGroupSize = 256;

    /// <summary>One partial sum per group of <see cref="ReduceGroupSize"/> lanes, by a shared-memory tree.</summary>
    /// <param name="x">The values.</param>
    /// <param name="partialSums">One sum per group.</param>
    /// <param name="n">Number of values.</param>
    [Kernel]
    public static void GroupReduceSum([Extent("n")] ArrayView<float> x, [Extent("(n + 255) / 256")] ArrayView<float> partialSums, int n)
    {
        var partial = SharedMemory.Allocate<float>(ReduceGroupSize);
        int lane = Group.IdxX;
        int i = Grid.GlobalIndex.X;
        partial[lane] = i < n ? x[i] : 0f;
        Group.Barrier();
        for (int stride = ReduceGroupSize / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride) partial[lane] += partial[lane + stride];
            Group.Barrier();
        }
        if (lane == 0) partialSums[Grid.IdxX] = partial[0];
    }
}
