namespace Mistral.Gpu.Language;

/// <summary>
/// Math for kernels, each mapped to a device intrinsic (CUDA <c>expf</c>/<c>rsqrtf</c>/<c>fmaf</c>,
/// OpenCL <c>exp</c>/<c>rsqrt</c>/<c>fma</c>, ...). On the CPU it runs the <see cref="MathF"/> equivalent.
/// GPU results may differ from the CPU in the last bits (fast exp/rsqrt), never more than a few ulp.
/// In ILGPU kernels prefer ILGPU.Algorithms' <c>XMath</c> where it has the function; this class holds what it lacks
/// (byte dot products, fp16 widening of packed words, bit casts, NaN-ignoring max/min, fused multiply-add), written so
/// that ILGPU compiles each member too (bit casts through <c>ILGPU.Interop</c>).
/// </summary>
public static class KMath
{
    /// <summary>e^x.</summary>
    public static float Exp(float x) => MathF.Exp(x);

    /// <summary>2^x.</summary>
    public static float Exp2(float x) => MathF.Pow(2f, x);

    /// <summary>Natural logarithm.</summary>
    public static float Log(float x) => MathF.Log(x);

    /// <summary>Base-2 logarithm.</summary>
    public static float Log2(float x) => MathF.Log2(x);

    /// <summary>Square root.</summary>
    public static float Sqrt(float x) => MathF.Sqrt(x);

    /// <summary>1 / sqrt(x).</summary>
    public static float Rsqrt(float x) => 1f / MathF.Sqrt(x);

    /// <summary>a * b + c with one rounding.</summary>
    /// <remarks>
    /// An ILGPU intrinsic (mapped by <c>IlgpuContextSetup.EnableMistralKernels</c> to <c>fma.rn.f32</c> and OpenCL's
    /// <c>fma</c>): ILGPU 1.5.3 compiles <see cref="MathF.FusedMultiplyAdd"/> as a call to an undefined external
    /// function on both backends, which the driver would refuse to link. The CPU runs this body.
    /// </remarks>
    [ILGPU.IR.Intrinsics.IntrinsicImplementation]
    public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>Larger of two floats (the non-NaN one if one is NaN).</summary>
    public static float Max(float a, float b) => float.IsNaN(a) ? b : float.IsNaN(b) ? a : MathF.Max(a, b);

    /// <summary>Smaller of two floats (the non-NaN one if one is NaN).</summary>
    public static float Min(float a, float b) => float.IsNaN(a) ? b : float.IsNaN(b) ? a : MathF.Min(a, b);

    /// <summary>Larger of two ints.</summary>
    public static int Max(int a, int b) => Math.Max(a, b);

    /// <summary>Smaller of two ints.</summary>
    public static int Min(int a, int b) => Math.Min(a, b);

    /// <summary>Larger of two uints.</summary>
    public static uint Max(uint a, uint b) => Math.Max(a, b);

    /// <summary>Smaller of two uints.</summary>
    public static uint Min(uint a, uint b) => Math.Min(a, b);

    /// <summary>Absolute value.</summary>
    public static float Abs(float x) => MathF.Abs(x);

    /// <summary>Absolute value.</summary>
    public static int Abs(int x) => Math.Abs(x);

    /// <summary>Hyperbolic tangent.</summary>
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Sine.</summary>
    public static float Sin(float x) => MathF.Sin(x);

    /// <summary>Cosine.</summary>
    public static float Cos(float x) => MathF.Cos(x);

    /// <summary>x^y.</summary>
    public static float Pow(float x, float y) => MathF.Pow(x, y);

    /// <summary>Largest integer not above x.</summary>
    public static float Floor(float x) => MathF.Floor(x);

    /// <summary>x rounded to the nearest integer, ties to even (CUDA <c>rintf</c>, OpenCL <c>rint</c>).</summary>
    public static float Round(float x) => MathF.Round(x, MidpointRounding.ToEven);

    /// <summary>Smallest integer not below x.</summary>
    public static float Ceil(float x) => MathF.Ceiling(x);

    /// <summary>Reinterprets the bits of a uint as a float.</summary>
    public static float AsFloat(uint bits) => ILGPU.Interop.IntAsFloat(bits);

    /// <summary>Reinterprets the bits of an int as a float.</summary>
    public static float AsFloat(int bits) => ILGPU.Interop.IntAsFloat((uint)bits);

    /// <summary>Reinterprets the bits of a float as a uint.</summary>
    public static uint AsUInt(float value) => ILGPU.Interop.FloatAsInt(value);

    /// <summary>Reinterprets the bits of a float as an int.</summary>
    public static int AsInt(float value) => (int)ILGPU.Interop.FloatAsInt(value);

    /// <summary>
    /// <paramref name="x"/> rounded to the nearest fp16 value (ties to even, subnormals included), still a float: write
    /// <c>(Half)KMath.HalfRounded(x)</c> to store a half. ILGPU 1.5.3's software float-to-half conversion, which its CPU
    /// accelerator runs, truncates (-0.5234 becomes -0.523, 4e-7 becomes 3.6e-7); given a value that is already a half it
    /// is exact. GPUs round to nearest even themselves, so the translator writes this as the value unchanged.
    /// </summary>
    public static float HalfRounded(float x)
    {
        uint bits = ILGPU.Interop.FloatAsInt(x);
        uint magnitude = bits & 0x7FFFFFFFu;
        if (magnitude >= 0x7F800000u) return x;                       // infinities and NaN pass through
        int exponent = (int)(magnitude >> 23) - 127;
        if (exponent < -25 || magnitude == 0x33000000u) return ILGPU.Interop.IntAsFloat(bits & 0x80000000u);   // below half of 2^-24 (or exactly half, a tie to zero)
        if (exponent == -25) return ILGPU.Interop.IntAsFloat((bits & 0x80000000u) | 0x33800000u);              // above half of 2^-24: the smallest subnormal
        // Mantissa bits below the half's last place: 13 for normal halves, more for subnormal ones (a fixed 2^-24 step).
        int drop = exponent < -14 ? -1 - exponent : 13;
        uint lastKept = (magnitude >> drop) & 1u;
        uint rounded = (magnitude + (1u << (drop - 1)) - 1u + lastKept) & ~((1u << drop) - 1u);
        return ILGPU.Interop.IntAsFloat((bits & 0x80000000u) | rounded);
    }

    /// <summary>
    /// <paramref name="low"/> and <paramref name="high"/> rounded to fp16 (nearest even) and packed into one word, low
    /// half first: a half2, the operand of <see cref="Mma.M16N8K16"/>. An ILGPU intrinsic (PTX <c>cvt.rn.f16x2.f32</c> from
    /// sm_80, one instruction); elsewhere, and on the CPU, <see cref="PackHalvesRounded"/>.
    /// </summary>
    [ILGPU.IR.Intrinsics.IntrinsicImplementation]
    public static uint PackHalves(float low, float high) => PackHalvesRounded(low, high);

    /// <summary>The portable form of <see cref="PackHalves"/>, rounding through <see cref="HalfRounded"/> (exact on every backend).</summary>
    public static uint PackHalvesRounded(float low, float high) =>
        ILGPU.Interop.FloatAsInt((ILGPU.Half)HalfRounded(low)) | ((uint)ILGPU.Interop.FloatAsInt((ILGPU.Half)HalfRounded(high)) << 16);

    /// <summary>The IEEE half in the low 16 bits of <paramref name="packed"/>, widened to float.</summary>
    public static float HalfLow(uint packed) => (float)ILGPU.Interop.IntAsFloat((ushort)packed);

    /// <summary>The IEEE half in the high 16 bits of <paramref name="packed"/>, widened to float.</summary>
    public static float HalfHigh(uint packed) => (float)ILGPU.Interop.IntAsFloat((ushort)(packed >> 16));

    /// <summary>
    /// <c>c + Σ_i a_i · b_i</c> over the four bytes of each word, <paramref name="a"/>'s bytes unsigned
    /// (0..255) and <paramref name="b"/>'s signed (-128..127): CUDA's <c>dp4a.u32.s32</c>, the building block
    /// of int8 dot products (int4 weights against int8 activations). Wraps on overflow like the hardware.
    /// An ILGPU intrinsic (<c>dp4a.u32.s32</c> in PTX from sm_61); the translator writes the same instruction
    /// (inline PTX) for CUDA and four byte products for OpenCL; the CPU and ILGPU's OpenCL run this body.
    /// </summary>
    [ILGPU.IR.Intrinsics.IntrinsicImplementation]
    public static int Dot4(uint a, uint b, int c) => Dot4Bytes(a, b, c);

    /// <summary>The portable form of <see cref="Dot4"/>: the four byte products written out (exact on every backend).</summary>
    public static int Dot4Bytes(uint a, uint b, int c) => unchecked(c
        + (int)(a & 0xFF) * (sbyte)b
        + (int)((a >> 8) & 0xFF) * (sbyte)(b >> 8)
        + (int)((a >> 16) & 0xFF) * (sbyte)(b >> 16)
        + (int)(a >> 24) * (sbyte)(b >> 24));

    /// <summary>
    /// <c>c + Σ_i a_i · b_i</c> over the four bytes of each word, both signed (-128..127): CUDA's
    /// <c>dp4a.s32.s32</c>. An ILGPU intrinsic (PTX <c>dp4a.s32.s32</c> from sm_61); the translator writes the
    /// same instruction (inline PTX) for CUDA and four byte products for OpenCL; the CPU and ILGPU's OpenCL run
    /// <see cref="Dp4aBytes"/>. Wraps on overflow like the hardware. For bytes below 128 (nibbles) it equals <see cref="Dot4"/>.
    /// </summary>
    [ILGPU.IR.Intrinsics.IntrinsicImplementation]
    public static int Dp4a(int a, int b, int c) => Dp4aBytes(a, b, c);

    /// <summary>The portable form of <see cref="Dp4a"/>: the four signed byte products written out (exact on every backend).</summary>
    public static int Dp4aBytes(int a, int b, int c) => unchecked(c
        + (sbyte)a * (sbyte)b
        + (sbyte)(a >> 8) * (sbyte)(b >> 8)
        + (sbyte)(a >> 16) * (sbyte)(b >> 16)
        + (sbyte)(a >> 24) * (sbyte)(b >> 24));
}
