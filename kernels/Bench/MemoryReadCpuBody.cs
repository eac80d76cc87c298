// The CPU backend's body of MemoryRead: the same sums, four 128-bit vectors per 512-bit load, so the
// probe measures what the memory system delivers to vector code (what the int4 group bodies see)
// rather than the cost of stepping one lane at a time.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementation of the MemoryRead probe (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe class MemoryReadCpuBody
{
    /// <summary>The group body of <c>MemoryReadKernels.MemoryRead</c>; false (run the lanes) without 512-bit vectors or for strided lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool MemoryRead(CpuGroup group, ReadOnlyView<uint> data, View<uint> sums, int vectorsPerLane, int laneStride, int stepStride)
    {
        // Only the blocked pattern (each lane one contiguous run) is a stream; the interleaved one is the GPU's.
        if (!Avx512F.IsSupported || stepStride != 1 || vectorsPerLane % 4 != 0) return false;
        uint* words = (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data.AsSpan()));
        int first = group.GroupId.X * group.GroupSize.X;
        // Lane 0 of each 128-bit quarter keeps x ^ y ^ z ^ w of its vector; the others are masked off.
        var keep = Vector512.Create(uint.MaxValue, 0, 0, 0, uint.MaxValue, 0, 0, 0, uint.MaxValue, 0, 0, 0, uint.MaxValue, 0, 0, 0);
        var swapPairs = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        var swapHalves = Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
        for (int lane = first; lane < first + group.GroupSize.X; lane++)
        {
            uint* at = words + 4L * lane * laneStride;
            if (4L * lane * laneStride + 4L * vectorsPerLane > data.Length) return false; // let the lanes report the bad range
            var acc = Vector512<uint>.Zero;
            for (int i = 0; i < vectorsPerLane; i += 4)
            {
                var v = Vector512.Load(at + 4 * i);
                var pairs = v ^ Avx512F.PermuteVar16x32(v.AsInt32(), swapPairs).AsUInt32();
                acc += (pairs ^ Avx512F.PermuteVar16x32(pairs.AsInt32(), swapHalves).AsUInt32()) & keep;
            }
            sums[lane] = Vector512.Sum(acc);
        }
        return true;
    }
}
