// fp16 to fp32 in vector registers for the CPU group bodies: .NET exposes no F16C, so the bits are moved by
// integer operations. Exponent and mantissa go into a float's bits and are multiplied by 2^112, which rebiases
// normal numbers and turns subnormal halves (float denormals at that point) into the right normal floats; an
// all-ones exponent (infinity, NaN) keeps an all-ones exponent; then the sign. Exact for every half.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mistral.Gpu.Kernels;

/// <summary>Exact fp16 widening of 16, 8 or 4 values at a time (the bits zero-extended to 32-bit lanes).</summary>
internal static class HalfVectors
{
    private const float TwoTo112 = 5.192296858534828e33f;

    /// <summary>Sixteen halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var magnitude = h & Vector512.Create(0x7FFFu);
        var shifted = magnitude << 13;
        var finite = (shifted.AsSingle() * Vector512.Create(TwoTo112)).AsUInt32();
        var bits = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x7C00u)), shifted | Vector512.Create(0x7F800000u), finite);
        return (bits | ((h & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Eight halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var magnitude = h & Vector256.Create(0x7FFFu);
        var shifted = magnitude << 13;
        var finite = (shifted.AsSingle() * Vector256.Create(TwoTo112)).AsUInt32();
        var bits = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00u)), shifted | Vector256.Create(0x7F800000u), finite);
        return (bits | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Four halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var magnitude = h & Vector128.Create(0x7FFFu);
        var shifted = magnitude << 13;
        var finite = (shifted.AsSingle() * Vector128.Create(TwoTo112)).AsUInt32();
        var bits = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(0x7C00u)), shifted | Vector128.Create(0x7F800000u), finite);
        return (bits | ((h & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>One half as a float.</summary>
    public static float ToSingle(uint h) => (float)BitConverter.UInt16BitsToHalf((ushort)h);
}
