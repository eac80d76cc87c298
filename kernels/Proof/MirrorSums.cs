// MirrorSums: one [KernelHelper] over ArrayView parameters reads group memory and global memory alike.
//   fromShared[i] = x[i] + x[m],  m the element mirrored within i's group of 64 (0 past n), read from a staged tile;
//   fromGlobal[i] = x[i] + x[i],  read in place.
// ILGPU has one view type for both spaces. CUDA's pointers take both spaces; OpenCL C 1.2's do not, so the translator
// writes a copy of each helper per address space of its view arguments: mgpu_gl_PairSum, which calls ElementAt and
// mgpu_l_ElementAt, and PairSum itself for the all-global call.
using ILGPU;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Lanes per group <see cref="MirrorSums"/> must be launched with.</summary>
    public const int MirrorGroupSize = 64;

    /// <summary>v[i], wherever v lives.</summary>
    /// <param name="v">A view of global or group memory.</param>
    /// <param name="i">Element index.</param>
    /// <returns>The element.</returns>
    [KernelHelper]
    public static float ElementAt(ArrayView<float> v, int i) => v[i];

    /// <summary>a[i] + b[j], each view in either address space.</summary>
    /// <param name="a">The first view.</param>
    /// <param name="i">Index into a.</param>
    /// <param name="b">The second view.</param>
    /// <param name="j">Index into b.</param>
    /// <returns>The sum.</returns>
    [KernelHelper]
    public static float PairSum(ArrayView<float> a, int i, ArrayView<float> b, int j) => ElementAt(a, i) + ElementAt(b, j);

    /// <summary>Mirrored pair sums through a staged tile and through global memory, by one helper.</summary>
    /// <param name="x">The values.</param>
    /// <param name="fromShared">x[i] + the mirrored element of i's group, read from group memory.</param>
    /// <param name="fromGlobal">x[i] + x[i], read from global memory.</param>
    /// <param name="n">Number of values.</param>
    [Kernel]
    public static void MirrorSums([Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<float> fromShared, [Extent("n")] ArrayView<float> fromGlobal, int n)
    {
        ArrayView<float> tile = SharedMemory.Allocate<float>(MirrorGroupSize);
        int lane = Group.IdxX;
        int i = Grid.GlobalIndex.X;
        tile[lane] = i < n ? x[i] : 0f;
        Group.Barrier();
        if (i < n)
        {
            fromShared[i] = PairSum(x, i, tile, MirrorGroupSize - 1 - lane);
            fromGlobal[i] = PairSum(x, i, x, i);
        }
    }
}
