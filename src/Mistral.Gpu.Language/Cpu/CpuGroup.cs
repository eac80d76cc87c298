using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mistral.Gpu.Language.Cpu;

/// <summary>
/// One group of lanes executing on a CPU thread. Lanes of a kernel without barriers run one after
/// another; lanes of a kernel with barriers or warp collectives are iterators stepped round-robin,
/// one barrier at a time, so a group needs no OS thread per lane and stays debuggable.
/// </summary>
public sealed unsafe class CpuGroup : IDisposable
{
    private readonly List<(nint Pointer, int Bytes)> shared = [];
    private bool[] poisoned = [];
    private KernelContext[] lanes = [];
    private ulong[] exchange = [];
    // Per warp, the butterfly of the last reduction, computed once by the first lane that reads it:
    // otherwise every lane would redo the whole 32-lane butterfly (O(32^2) per warp).
    private ulong[] reduced = [];
    private WarpReduction?[] reducedOp = [];
    // Per lane, the A and B fragments of the last Mma.M16N8K16 (a.X, a.Y, a.Z, a.W, b0, b1).
    private uint[] fragments = [];

    /// <summary>Creates a group; <paramref name="useGroupBodies"/> says whether kernels with a <see cref="CpuGroupBodyAttribute"/> run it.</summary>
    public CpuGroup(bool useGroupBodies = true) => UseGroupBodies = useGroupBodies;

    /// <summary>Whether a kernel's <see cref="CpuGroupBodyAttribute"/> method runs instead of its lanes.</summary>
    public bool UseGroupBodies { get; }

    /// <summary>Index of this group in the grid.</summary>
    public Dim3 GroupId { get; private set; }

    /// <summary>Lanes per group.</summary>
    public Dim3 GroupSize { get; private set; }

    /// <summary>Groups in the grid.</summary>
    public Dim3 GroupCount { get; private set; }

    /// <summary>Number of lanes in this group.</summary>
    public int LaneCount { get; private set; }

    /// <summary>Prepares the group for the next group index; shared memory is poisoned (0xFF) when first handed out to it, so a read before a write shows.</summary>
    public void Reset(Dim3 groupId, Dim3 groupSize, Dim3 groupCount)
    {
        GroupId = groupId;
        GroupSize = groupSize;
        GroupCount = groupCount;
        LaneCount = checked((int)groupSize.Volume);
        if (lanes.Length < LaneCount)
        {
            int old = lanes.Length;
            Array.Resize(ref lanes, LaneCount);
            for (int i = old; i < LaneCount; i++) lanes[i] = new KernelContext(this);
            exchange = new ulong[LaneCount];
            reduced = new ulong[LaneCount];
            reducedOp = new WarpReduction?[(LaneCount + Warp.Size - 1) / Warp.Size];
            fragments = new uint[MmaWords * LaneCount];
        }

        // Poisoning happens per allocation, when the group first asks for it: filling every array this
        // thread ever allocated (other kernels' tiles included) at each group cost more than small kernels.
        Array.Clear(poisoned);
    }

    /// <summary>Makes lane <paramref name="linearLane"/> current and returns its context.</summary>
    public KernelContext EnterLane(int linearLane)
    {
        var lane = lanes[linearLane];
        // Lane ids are set here, not in Reset: a group body never enters a lane, so it pays nothing per lane.
        lane.LinearLaneId = linearLane;
        lane.LaneId = new Dim3(linearLane % GroupSize.X, linearLane / GroupSize.X % GroupSize.Y, linearLane / (GroupSize.X * GroupSize.Y));
        lane.MakeCurrent();
        return lane;
    }

    /// <summary>Steps every lane's iterator to its next barrier, round-robin, until all finish.</summary>
    /// <exception cref="InvalidOperationException">Some lanes returned while others waited at a barrier.</exception>
    public void RunLockstep(IEnumerator<int>[] laneSteps)
    {
        try
        {
            for (int i = 0; i < LaneCount; i++) lanes[i].MakeCurrent();
            while (true)
            {
                int waiting = 0, finished = 0;
                for (int i = 0; i < LaneCount; i++)
                {
                    lanes[i].Resume();
                    if (laneSteps[i].MoveNext()) waiting++;
                    else finished++;
                }
                if (waiting == 0) return;
                if (finished != 0)
                    throw new InvalidOperationException(
                        $"Barrier divergence in group {GroupId}: {waiting} lanes wait at a barrier or warp collective while {finished} lanes have returned. Every lane of a group must reach each barrier.");
            }
        }
        finally
        {
            KernelContext.Clear();
            foreach (var step in laneSteps) step?.Dispose();
        }
    }

    internal SharedView<T> AllocateShared<T>(KernelContext lane, int length) where T : unmanaged
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), "Shared allocations need a positive length.");
        int ordinal = lane.SharedOrdinal++;
        int bytes = checked(length * sizeof(T));
        if (ordinal == shared.Count)
        {
            shared.Add(((nint)NativeMemory.AlignedAlloc((nuint)bytes, 64), bytes));
            Array.Resize(ref poisoned, shared.Count);
        }
        else if (shared[ordinal].Bytes < bytes)
        {
            NativeMemory.AlignedFree((void*)shared[ordinal].Pointer);
            shared[ordinal] = ((nint)NativeMemory.AlignedAlloc((nuint)bytes, 64), bytes);
        }
        // The first lane of the group to reach this allocation poisons it; the others share what it wrote.
        if (!poisoned[ordinal])
        {
            new Span<byte>((void*)shared[ordinal].Pointer, bytes).Fill(0xFF);
            poisoned[ordinal] = true;
        }
        return new SharedView<T>((T*)shared[ordinal].Pointer, length);
    }

    internal void Put<T>(int linearLane, T value) where T : unmanaged
    {
        ulong bits = 0;
        Unsafe.WriteUnaligned(ref Unsafe.As<ulong, byte>(ref bits), value);
        exchange[linearLane] = bits;
        reducedOp[linearLane / Warp.Size] = null;
    }

    internal T Take<T>(int linearLane) where T : unmanaged
    {
        ulong bits = exchange[linearLane];
        return Unsafe.ReadUnaligned<T>(ref Unsafe.As<ulong, byte>(ref bits));
    }

    internal T Reduce<T>(int warp, int warpLane, WarpReduction op) where T : unmanaged
    {
        int baseLane = warp * Warp.Size;
        if (reducedOp[warp] != op)
        {
            // Butterfly over xor distances 16..1 in the same order as the device code, so every
            // backend rounds identically.
            Span<ulong> values = reduced.AsSpan(baseLane, Warp.Size);
            exchange.AsSpan(baseLane, Warp.Size).CopyTo(values);
            Span<ulong> next = stackalloc ulong[Warp.Size];
            for (int distance = Warp.Size / 2; distance > 0; distance >>= 1)
            {
                for (int i = 0; i < Warp.Size; i++) next[i] = Combine<T>(values[i], values[i ^ distance], op);
                next.CopyTo(values);
            }
            reducedOp[warp] = op;
        }
        ulong bits = reduced[baseLane + warpLane];
        return Unsafe.ReadUnaligned<T>(ref Unsafe.As<ulong, byte>(ref bits));
    }

    /// <summary>Words of A and B one lane holds for <see cref="Mma.M16N8K16"/>.</summary>
    private const int MmaWords = 6;

    internal void PutFragments(int linearLane, UInt4 a, uint b0, uint b1)
    {
        var slot = fragments.AsSpan(MmaWords * linearLane, MmaWords);
        slot[0] = a.X;
        slot[1] = a.Y;
        slot[2] = a.Z;
        slot[3] = a.W;
        slot[4] = b0;
        slot[5] = b1;
    }

    /// <summary>
    /// One lane's D of <see cref="Mma.M16N8K16"/> from the fragments its warp published: the rows g, g + 8 of A from lanes
    /// 4g..4g+3, the columns 2t, 2t + 1 of B from lanes 8t..8t+7, summed by <see cref="Mma.Dot16"/> as every fallback does.
    /// </summary>
    internal Float4 Mma(int warp, int warpLane, Float4 c)
    {
        int baseLane = warp * Warp.Size;
        int rowLane = baseLane + (warpLane & ~3), colLane = baseLane + (warpLane & 3) * 8;
        UInt4 Gather(int firstLane, int word) => new(
            fragments[MmaWords * firstLane + word], fragments[MmaWords * (firstLane + 1) + word],
            fragments[MmaWords * (firstLane + 2) + word], fragments[MmaWords * (firstLane + 3) + word]);
        return Language.Mma.Outputs(Gather(rowLane, 0), Gather(rowLane, 2), Gather(rowLane, 1), Gather(rowLane, 3),
            Gather(colLane, 4), Gather(colLane, 5), Gather(colLane + 4, 4), Gather(colLane + 4, 5), c);
    }

    private static ulong Combine<T>(ulong a, ulong b, WarpReduction op) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            float x = BitConverter.UInt32BitsToSingle((uint)a), y = BitConverter.UInt32BitsToSingle((uint)b);
            float r = op switch { WarpReduction.Sum => x + y, WarpReduction.Max => MathF.Max(x, y), _ => MathF.Min(x, y) };
            return BitConverter.SingleToUInt32Bits(r);
        }
        if (typeof(T) == typeof(int))
        {
            int x = (int)(uint)a, y = (int)(uint)b;
            int r = op switch { WarpReduction.Sum => unchecked(x + y), WarpReduction.Max => Math.Max(x, y), _ => Math.Min(x, y) };
            return (uint)r;
        }
        if (typeof(T) == typeof(uint))
        {
            uint x = (uint)a, y = (uint)b;
            uint r = op switch { WarpReduction.Sum => unchecked(x + y), WarpReduction.Max => Math.Max(x, y), _ => Math.Min(x, y) };
            return r;
        }
        throw new NotSupportedException($"Warp reductions support float, int and uint, not {typeof(T).Name}.");
    }

    /// <summary>Frees the group's shared memory.</summary>
    public void Dispose()
    {
        foreach (var (pointer, _) in shared) NativeMemory.AlignedFree((void*)pointer);
        shared.Clear();
    }
}
