namespace Mistral.Gpu.Kernels;

/// <summary>
/// The tile shape the GPU attention kernels share (FlashAttentionPrefill.Tile and FlashDecoding.Partial): 256 lanes
/// per group, four output dims per lane, so a group holds 1024 query elements whatever the head size, and 32 keys
/// staged in shared memory per step.
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
}
