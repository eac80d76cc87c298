// TiledMatMul: C[m x n] = A[m x k] . B[k x n], row-major, any m, n, k.
//
// Each group computes one tile x tile block of C. A and B are staged through shared memory one
// tile x tile slab at a time, so each global element is read k/tile times instead of k times; the
// zero padding past the matrix edges keeps ragged sizes correct without branches in the inner loop.
// `tile` is a [Specialize] constant so the inner loop unrolls and the shared arrays are sized at
// compile time. Launch with groups of (tile, tile) lanes over ceil(n/tile) x ceil(m/tile) groups.
using ILGPU;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Dense matrix product through shared-memory tiles.</summary>
    /// <param name="a">A, m rows of k.</param>
    /// <param name="b">B, k rows of n.</param>
    /// <param name="c">C, m rows of n.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="tile">Tile edge (group size tile x tile).</param>
    [Kernel]
    public static void TiledMatMul([Extent("m * k")] ArrayView<float> a, [Extent("k * n")] ArrayView<float> b,
        [Extent("m * n")] ArrayView<float> c, int m, int n, int k, [Specialize(16)] SpecializedValue<int> tile)
    {
        var aTile = SharedMemory.Allocate<float>(tile * tile);
        var bTile = SharedMemory.Allocate<float>(tile * tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        int row = Grid.IdxY * tile + ty;
        int col = Grid.IdxX * tile + tx;
        float sum = 0f;
        for (int t = 0; t < k; t += tile)
        {
            aTile[ty * tile + tx] = row < m && t + tx < k ? a[row * k + t + tx] : 0f;
            bTile[ty * tile + tx] = t + ty < k && col < n ? b[(t + ty) * n + col] : 0f;
            Group.Barrier();
            for (int j = 0; j < tile; j++)
                sum += aTile[ty * tile + j] * bTile[j * tile + tx];
            Group.Barrier();
        }
        if (row < m && col < n) c[row * n + col] = sum;
    }
}
