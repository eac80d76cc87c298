// RMSNorm, optionally fused with the residual add that precedes it in every Mistral block:
//     h = x (+ delta, written back to x),   y = h * rsqrt(mean(h^2) + eps) * w
// with the sum of squares accumulated in fp32 whatever the storage type (fp32, fp16, bf16).
//
// Hardware shape: one group per row. Lanes stride the row (128-bit loads when dim % 4 == 0 and the
// views are 16-byte aligned), each keeps a partial sum of squares; a warp AllReduce folds a warp,
// one shared slot per warp folds the group, and every lane sums those slots itself (no second
// barrier). The second pass re-reads the row the lane itself just wrote, from cache, so the row
// crosses DRAM once in and once out: the kernel is purely bandwidth-bound. On the C# CPU backend the fp32 kernel runs
// RmsNormCpuBody instead of its lanes (one row per core, vector loops).
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels;

/// <summary>RMSNorm kernels (fp32, fp16, bf16), each with the residual add fused in or not.</summary>
public static partial class RmsNormKernels
{
    /// <summary>Largest group the facade launches; also bounds the shared slots (one per warp).</summary>
    public const int MaxGroupLanes = 1024;

    [Kernel]
    [CpuGroupBody(typeof(RmsNormCpuBody), nameof(RmsNormCpuBody.RmsNormF32))]
    static void RmsNormF32(ArrayView<float> x, ArrayView<float> delta, ArrayView<float> weight, ArrayView<float> output,
        int dim, float eps, [Specialize(0, 1)] SpecializedValue<int> fuseResidual, [Specialize(1, 4)] SpecializedValue<int> vectorWidth)
    {
        int row = Grid.IdxX;
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int rowStart = row * dim;
        float sumSquares = 0f;
        if (vectorWidth == 4)
        {
            int vectors = dim / 4;
            int rowVector = row * vectors;
            for (int v = lane; v < vectors; v += lanes)
            {
                Float4 h = x.LoadFloat4(rowVector + v);
                if (fuseResidual == 1)
                {
                    Float4 d = delta.LoadFloat4(rowVector + v);
                    h = new Float4(h.X + d.X, h.Y + d.Y, h.Z + d.Z, h.W + d.W);
                    x.StoreFloat4(rowVector + v, h);
                }
                sumSquares += h.X * h.X + h.Y * h.Y + h.Z * h.Z + h.W * h.W;
            }
        }
        else
        {
            for (int i = lane; i < dim; i += lanes)
            {
                float h = x[rowStart + i];
                if (fuseResidual == 1)
                {
                    h = h + delta[rowStart + i];
                    x[rowStart + i] = h;
                }
                sumSquares += h * h;
            }
        }

        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(sumSquares);
        ArrayView<float> warpSums = SharedMemory.Allocate<float>(32);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = warpSum;
        Group.Barrier();
        float total = 0f;
        int warps = lanes / 32;
        for (int w = 0; w < warps; w++) total += warpSums[w];
        float scale = XMath.Rsqrt(total / (float)dim + eps);

        if (vectorWidth == 4)
        {
            int vectors = dim / 4;
            int rowVector = row * vectors;
            for (int v = lane; v < vectors; v += lanes)
            {
                Float4 h = x.LoadFloat4(rowVector + v);
                Float4 g = weight.LoadFloat4(v);
                output.StoreFloat4(rowVector + v, new Float4(h.X * scale * g.X, h.Y * scale * g.Y, h.Z * scale * g.Z, h.W * scale * g.W));
            }
        }
        else
        {
            for (int i = lane; i < dim; i += lanes)
            {
                output[rowStart + i] = x[rowStart + i] * scale * weight[i];
            }
        }
    }

    [Kernel]
    static void RmsNormF16(ArrayView<Half> x, ArrayView<Half> delta, ArrayView<float> weight, ArrayView<Half> output,
        int dim, float eps, [Specialize(0, 1)] SpecializedValue<int> fuseResidual)
    {
        int row = Grid.IdxX;
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int rowStart = row * dim;
        float sumSquares = 0f;
        for (int i = lane; i < dim; i += lanes)
        {
            float h = (float)x[rowStart + i];
            if (fuseResidual == 1)
            {
                // The residual stream is stored in fp16: normalise the value that was stored.
                Half stored = (Half)KMath.HalfRounded(h + (float)delta[rowStart + i]);
                x[rowStart + i] = stored;
                h = (float)stored;
            }
            sumSquares += h * h;
        }

        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(sumSquares);
        ArrayView<float> warpSums = SharedMemory.Allocate<float>(32);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = warpSum;
        Group.Barrier();
        float total = 0f;
        int warps = lanes / 32;
        for (int w = 0; w < warps; w++) total += warpSums[w];
        float scale = XMath.Rsqrt(total / (float)dim + eps);

        for (int i = lane; i < dim; i += lanes)
        {
            output[rowStart + i] = (Half)KMath.HalfRounded((float)x[rowStart + i] * scale * weight[i]);
        }
    }

    [Kernel]
    static void RmsNormBf16(ArrayView<BFloat16> x, ArrayView<BFloat16> delta, ArrayView<float> weight, ArrayView<BFloat16> output,
        int dim, float eps, [Specialize(0, 1)] SpecializedValue<int> fuseResidual)
    {
        int row = Grid.IdxX;
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int rowStart = row * dim;
        float sumSquares = 0f;
        for (int i = lane; i < dim; i += lanes)
        {
            float h = (float)x[rowStart + i];
            if (fuseResidual == 1)
            {
                BFloat16 stored = (BFloat16)(h + (float)delta[rowStart + i]);
                x[rowStart + i] = stored;
                h = (float)stored;
            }
            sumSquares += h * h;
        }

        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(sumSquares);
        ArrayView<float> warpSums = SharedMemory.Allocate<float>(32);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = warpSum;
        Group.Barrier();
        float total = 0f;
        int warps = lanes / 32;
        for (int w = 0; w < warps; w++) total += warpSums[w];
        float scale = XMath.Rsqrt(total / (float)dim + eps);

        for (int i = lane; i < dim; i += lanes)
        {
            output[rowStart + i] = (BFloat16)((float)x[rowStart + i] * scale * weight[i]);
        }
    }
}
