// fp16 to fp32 in vector registers for the CPU group bodies: .NET exposes no F16C, so the bits are moved by
// integer operations. Exponent and mantissa go into a float's bits and are multiplied by 2^112, which rebiases
// normal numbers and turns subnormal halves (float denormals at that point) into the right normal floats; an
// all-ones exponent (infinity, NaN), which that product leaves finite, is then made all ones again by an OR; the sign
// is put back last. Exact for every half. An attention step over an fp16 cache widens every K and V element once, so
// this is most of its arithmetic: the loads from memory sign-extend the halves, which carries the sign through the
// shift and the product and saves the separate sign step (eight instructions per vector, the load included).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mistral.Gpu.Kernels;

/// <summary>Exact fp16 widening of 16, 8 or 4 values at a time (the bits zero-extended to 32-bit lanes).</summary>
internal static class HalfVectors
{
    private const float TwoTo112 = 5.192296858534828e33f;

    /// <summary>Sixteen halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var magnitude = (h << 13) & Vector512.Create(0x0FFFE000u);
        var finite = (magnitude.AsSingle() * Vector512.Create(TwoTo112)).AsUInt32();
        // Infinity and NaN: the product is 2^16·1.m; setting every exponent bit keeps m (so NaN stays NaN). A signed
        // compare is one instruction on AVX2 too; the magnitude is below 2^28.
        var special = Vector512.GreaterThanOrEqual(magnitude.AsInt32(), Vector512.Create(0x0F800000)).AsUInt32() & Vector512.Create(0x7F800000u);
        return (finite | special | ((h << 16) & Vector512.Create(0x80000000u))).AsSingle();
    }

    /// <summary>Eight halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var magnitude = (h << 13) & Vector256.Create(0x0FFFE000u);
        var finite = (magnitude.AsSingle() * Vector256.Create(TwoTo112)).AsUInt32();
        var special = Vector256.GreaterThanOrEqual(magnitude.AsInt32(), Vector256.Create(0x0F800000)).AsUInt32() & Vector256.Create(0x7F800000u);
        return (finite | special | ((h << 16) & Vector256.Create(0x80000000u))).AsSingle();
    }

    /// <summary>Four halves, one per 32-bit lane, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> h)
    {
        var magnitude = (h << 13) & Vector128.Create(0x0FFFE000u);
        var finite = (magnitude.AsSingle() * Vector128.Create(TwoTo112)).AsUInt32();
        var special = Vector128.GreaterThanOrEqual(magnitude.AsInt32(), Vector128.Create(0x0F800000)).AsUInt32() & Vector128.Create(0x7F800000u);
        return (finite | special | ((h << 16) & Vector128.Create(0x80000000u))).AsSingle();
    }

    /// <summary>Sixteen halves from memory as floats: <see cref="ToSingle(Vector512{uint})"/> with one operation fewer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* at) => FromSignExtended(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)at)));

    /// <summary>Eight halves from memory as floats: <see cref="ToSingle(Vector256{uint})"/> with one operation fewer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load8(ushort* at) => FromSignExtended(Avx2.ConvertToVector256Int32((short*)at));

    // Sign-extended halves: bit 18 of the lane (a copy of the sign) lands on bit 31 when the bits shift by 13, and the
    // product by 2^112 keeps that sign, so no separate sign step is needed; the copies on bits 28-30 are masked off.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FromSignExtended(Vector512<int> s)
    {
        var finite = ((s << 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector512.Create(TwoTo112);
        var special = Vector512.Equals(s & Vector512.Create(0x7C00), Vector512.Create(0x7C00)) & Vector512.Create(0x7F800000);
        return (finite.AsInt32() | special).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FromSignExtended(Vector256<int> s)
    {
        var finite = ((s << 13) & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector256.Create(TwoTo112);
        var special = Vector256.Equals(s & Vector256.Create(0x7C00), Vector256.Create(0x7C00)) & Vector256.Create(0x7F800000);
        return (finite.AsInt32() | special).AsSingle();
    }

    /// <summary>One half as a float.</summary>
    public static float ToSingle(uint h) => (float)BitConverter.UInt16BitsToHalf((ushort)h);
}
