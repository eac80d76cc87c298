namespace Mistral.Gpu.Language;

/// <summary>
/// Collectives over the 32 lanes of a warp. Warps are consecutive runs of 32 linear lane ids on
/// every backend (native on CUDA; emulated through local memory on OpenCL and by lock-step
/// iterators on the CPU), so kernels using them need a group size that is a multiple of 32, and
/// every lane of the group must reach each collective, like a barrier. Each collective must be
/// the whole right-hand side of a statement (<c>var y = Warp.ShuffleXor(x, 1);</c>).
/// </summary>
public static class Warp
{
    /// <summary>Lanes per warp on every backend.</summary>
    public const int Size = 32;

    /// <summary>The value of lane <c>WarpLaneId ^ laneMask</c>.</summary>
    public static float ShuffleXor(float value, int laneMask) => throw Intrinsic.OutsideKernel(nameof(ShuffleXor));

    /// <summary>The value of lane <c>WarpLaneId ^ laneMask</c>.</summary>
    public static int ShuffleXor(int value, int laneMask) => throw Intrinsic.OutsideKernel(nameof(ShuffleXor));

    /// <summary>The value of lane <c>WarpLaneId ^ laneMask</c>.</summary>
    public static uint ShuffleXor(uint value, int laneMask) => throw Intrinsic.OutsideKernel(nameof(ShuffleXor));

    /// <summary>The value of lane <c>WarpLaneId + delta</c>, or the lane's own value past the warp's end.</summary>
    public static float ShuffleDown(float value, int delta) => throw Intrinsic.OutsideKernel(nameof(ShuffleDown));

    /// <summary>The value of lane <c>WarpLaneId + delta</c>, or the lane's own value past the warp's end.</summary>
    public static int ShuffleDown(int value, int delta) => throw Intrinsic.OutsideKernel(nameof(ShuffleDown));

    /// <summary>The value of lane <c>WarpLaneId - delta</c>, or the lane's own value before the warp's start.</summary>
    public static float ShuffleUp(float value, int delta) => throw Intrinsic.OutsideKernel(nameof(ShuffleUp));

    /// <summary>The value of lane <c>WarpLaneId - delta</c>, or the lane's own value before the warp's start.</summary>
    public static int ShuffleUp(int value, int delta) => throw Intrinsic.OutsideKernel(nameof(ShuffleUp));

    /// <summary>The value of lane <c>sourceLane % 32</c> (a broadcast when uniform).</summary>
    public static float Shuffle(float value, int sourceLane) => throw Intrinsic.OutsideKernel(nameof(Shuffle));

    /// <summary>The value of lane <c>sourceLane % 32</c> (a broadcast when uniform).</summary>
    public static int Shuffle(int value, int sourceLane) => throw Intrinsic.OutsideKernel(nameof(Shuffle));

    /// <summary>The sum over the warp, delivered to every lane (butterfly order: xor 16, 8, 4, 2, 1).</summary>
    public static float ReduceSum(float value) => throw Intrinsic.OutsideKernel(nameof(ReduceSum));

    /// <summary>The sum over the warp, delivered to every lane.</summary>
    public static int ReduceSum(int value) => throw Intrinsic.OutsideKernel(nameof(ReduceSum));

    /// <summary>The maximum over the warp, delivered to every lane.</summary>
    public static float ReduceMax(float value) => throw Intrinsic.OutsideKernel(nameof(ReduceMax));

    /// <summary>The maximum over the warp, delivered to every lane.</summary>
    public static int ReduceMax(int value) => throw Intrinsic.OutsideKernel(nameof(ReduceMax));

    /// <summary>The minimum over the warp, delivered to every lane.</summary>
    public static float ReduceMin(float value) => throw Intrinsic.OutsideKernel(nameof(ReduceMin));

    /// <summary>The minimum over the warp, delivered to every lane.</summary>
    public static int ReduceMin(int value) => throw Intrinsic.OutsideKernel(nameof(ReduceMin));
}
