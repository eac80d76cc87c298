using System.ComponentModel;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Language;

/// <summary>
/// The identity of the lane (work item / thread) running a kernel: its position in the grid, in
/// its group and in its warp. On a GPU each member becomes an index builtin (<c>threadIdx</c>,
/// <c>get_local_id</c>...); on the CPU backend it is a real object, one per lane.
/// </summary>
public sealed class KernelContext
{
    [ThreadStatic] private static KernelContext? current;

    internal KernelContext(CpuGroup group) => Group = group;

    /// <summary>The CPU group this lane belongs to (CPU backend only).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public CpuGroup Group { get; }

    /// <summary>Index of the lane in the whole grid: <c>GroupId * GroupSize + LaneId</c>.</summary>
    public Dim3 GlobalId => new(
        GroupId.X * GroupSize.X + LaneId.X,
        GroupId.Y * GroupSize.Y + LaneId.Y,
        GroupId.Z * GroupSize.Z + LaneId.Z);

    /// <summary>Index of the lane's group in the grid.</summary>
    public Dim3 GroupId => Group.GroupId;

    /// <summary>Index of the lane inside its group.</summary>
    public Dim3 LaneId { get; internal set; }

    /// <summary>Lanes per group in each dimension.</summary>
    public Dim3 GroupSize => Group.GroupSize;

    /// <summary>Groups in the grid in each dimension.</summary>
    public Dim3 GroupCount => Group.GroupCount;

    /// <summary>The lane's linear index inside its group (x fastest).</summary>
    public int LinearLaneId { get; internal set; }

    /// <summary>The lane's index inside its warp, <c>LinearLaneId % Warp.Size</c>.</summary>
    public int WarpLaneId => LinearLaneId & (Warp.Size - 1);

    /// <summary>The index of the lane's warp inside its group, <c>LinearLaneId / Warp.Size</c>.</summary>
    public int WarpId => LinearLaneId / Warp.Size;

    internal int SharedOrdinal { get; set; }

    /// <summary>The lane the CPU backend is stepping on this thread (read by the CPU copies of ILGPU kernels' helpers).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static KernelContext CurrentLane => Current;

    /// <summary>The lane the CPU backend is stepping on this thread.</summary>
    internal static KernelContext Current =>
        current ?? throw new InvalidOperationException(
            "Kernel-language intrinsics run only inside a kernel launched through an Accelerator.");

    internal void MakeCurrent()
    {
        SharedOrdinal = 0;
        current = this;
    }

    internal void Resume() => current = this;

    internal static void Clear() => current = null;

    /// <summary>CPU lowering of a warp collective: publishes this lane's operand.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void WarpPut<T>(T value) where T : unmanaged => Group.Put(LinearLaneId, value);

    /// <summary>CPU lowering of <see cref="Warp.ShuffleXor(float, int)"/>: reads the partner's operand.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public T WarpTakeXor<T>(int laneMask) where T : unmanaged =>
        Group.Take<T>(WarpId * Warp.Size + (WarpLaneId ^ (laneMask & (Warp.Size - 1))));

    /// <summary>CPU lowering of <see cref="Warp.ShuffleDown(float, int)"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public T WarpTakeDown<T>(int delta) where T : unmanaged
    {
        int source = WarpLaneId + delta;
        return Group.Take<T>(source < Warp.Size && delta >= 0 ? WarpId * Warp.Size + source : LinearLaneId);
    }

    /// <summary>CPU lowering of <see cref="Warp.ShuffleUp(float, int)"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public T WarpTakeUp<T>(int delta) where T : unmanaged
    {
        int source = WarpLaneId - delta;
        return Group.Take<T>(source >= 0 && delta >= 0 ? WarpId * Warp.Size + source : LinearLaneId);
    }

    /// <summary>CPU lowering of <see cref="Warp.Shuffle(float, int)"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public T WarpTakeFrom<T>(int sourceLane) where T : unmanaged =>
        Group.Take<T>(WarpId * Warp.Size + (sourceLane & (Warp.Size - 1)));

    /// <summary>CPU lowering of <see cref="Mma.M16N8K16"/>: publishes this lane's A and B fragments.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void WarpPutFragments(UInt4 a, uint b0, uint b1) => Group.PutFragments(LinearLaneId, a, b0, b1);

    /// <summary>CPU lowering of <see cref="Mma.M16N8K16"/>: this lane's D from the warp's published fragments and its own C.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Float4 WarpTakeMma(Float4 c) => Group.Mma(WarpId, WarpLaneId, c);

    /// <summary>CPU lowering of the warp reductions: the butterfly order every dialect uses.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public T WarpTakeReduce<T>(WarpReduction op) where T : unmanaged => Group.Reduce<T>(WarpId, WarpLaneId, op);
}
