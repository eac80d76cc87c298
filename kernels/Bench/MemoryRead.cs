// MemoryRead: every lane sums `vectorsPerLane` 128-bit loads and writes the sum once,
//     sums[lane] = sum_i xor4(data4[lane * laneStride + i * stepStride])
// so the compiler cannot drop a single load, and the bytes read are exactly 16 * lanes * vectorsPerLane.
//
// Hardware shape: the host picks the access pattern, because the fastest one differs. On a GPU,
// neighbouring lanes must read neighbouring vectors (laneStride 1, stepStride = all lanes) so each
// warp's loads coalesce into full cache lines. On a CPU (the CPU backend, or PoCL) a group's lanes
// run one after another on one core, so each lane must stream its own contiguous block
// (laneStride = vectorsPerLane, stepStride 1) for the hardware prefetcher to keep up.
using ILGPU;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

/// <summary>The read-bandwidth probe: how fast this device streams memory into its lanes.</summary>
public static partial class MemoryReadKernels
{
    [Kernel]
    [CpuGroupBody(typeof(MemoryReadCpuBody), nameof(MemoryReadCpuBody.MemoryRead))]
    static void MemoryRead(ArrayView<uint> data, ArrayView<uint> sums, int vectorsPerLane, int laneStride, int stepStride)
    {
        int lane = Grid.GlobalIndex.X;
        int first = lane * laneStride;
        uint acc = 0u;
        for (int i = 0; i < vectorsPerLane; i++)
        {
            UInt4 w = data.LoadUInt4(first + i * stepStride);
            acc = acc + (w.X ^ w.Y ^ w.Z ^ w.W);
        }
        sums[lane] = acc;
    }
}
