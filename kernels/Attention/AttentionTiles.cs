using ILGPU;
using ILGPU.Algorithms;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The tile shape the GPU attention kernels share (FlashAttentionPrefill.Tile and FlashDecoding.Partial): 256 lanes
/// per group, four output dims per lane, so a group holds 1024 query elements whatever the head size, and 32 keys
/// staged in shared memory per step; and the two steps of a key tile the kernels share between their barriers.
/// </summary>
public static class AttentionTiles
{
    /// <summary>Lanes per group.</summary>
    public const int GroupLanes = 256;

    /// <summary>Keys staged in shared memory per step.</summary>
    public const int KeyTile = 32;

    /// <summary>Output dims each lane accumulates.</summary>
    public const int DimsPerLane = 4;

    /// <summary>Floats in the staged query tile: rows per tile times headDim, the same for every headDim.</summary>
    public const int QueryTileElements = GroupLanes * DimsPerLane;

    /// <summary>The running max a row starts with: far below any real logit, yet finite so differences stay finite.</summary>
    public const float NoScore = -3.0e38f;

    /// <summary>Query rows (token and head, or head) one group handles for <paramref name="headDim"/>.</summary>
    public static int RowsPerTile(int headDim) => QueryTileElements / headDim;

    /// <summary>
    /// scores[row][key] = q_row · k_key for the staged tile (key rows padded to headDim + 1), every lane computing
    /// whole dot products; rows at or past <paramref name="rows"/> (past the end of the query rows) score 0.
    /// </summary>
    [KernelHelper]
    internal static void ScoreTile(ArrayView<float> queryTile, ArrayView<float> keyTile, ArrayView<float> scores, int lane, int rows, int headDim)
    {
        int rowsPerTile = QueryTileElements / headDim;
        for (int e = lane; e < rowsPerTile * KeyTile; e += GroupLanes)
        {
            int row = e / KeyTile;
            int key = e % KeyTile;
            float sum = 0f;
            if (row < rows)
            {
                for (int d = 0; d < headDim; d++)
                    sum = KMath.Fma(queryTile[row * headDim + d], keyTile[key * (headDim + 1) + d], sum);
            }
            scores[row * (KeyTile + 1) + key] = sum;
        }
    }

    /// <summary>
    /// The row's new running max over the tile's keys <paramref name="from"/>..<paramref name="to"/> (its window; none
    /// when from &gt; to), and lane <paramref name="dim"/>'s share of the row's weights e^(s − m_new): keys dim,
    /// dim + lanesPerRow, …, 0 outside the window, so each exponential is computed once per row.
    /// </summary>
    [KernelHelper]
    internal static float WeighTile(ArrayView<float> scores, ArrayView<float> weights, int tileRow, int dim, int lanesPerRow,
        int tileStart, int from, int to, float runningMax)
    {
        float tileMax = NoScore;
        for (int key = from; key <= to; key++)
            tileMax = KMath.Max(tileMax, scores[tileRow * (KeyTile + 1) + key - tileStart]);
        float newMax = KMath.Max(runningMax, tileMax);
        for (int key = dim; key < KeyTile; key += lanesPerRow)
        {
            int keyPosition = tileStart + key;
            float weight = 0f;
            if (keyPosition >= from && keyPosition <= to)
                weight = XMath.Exp(scores[tileRow * (KeyTile + 1) + key] - newMax);
            weights[tileRow * (KeyTile + 1) + key] = weight;
        }
        return newMax;
    }
}
