// The online softmax of the CPU attention bodies: a row's block max, e^(s - m) by a vectorised exp (Cephes' degree-6
// polynomial, ~1 ulp; arguments clamped like the lanes', so no denormal) and the rescale of its accumulator when the
// max grew.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mistral.Gpu.Kernels;

internal static unsafe partial class AttentionCpuBody
{
    /// <summary>
    /// One row's online-softmax step over a block of <paramref name="count"/> scores of which keys
    /// <paramref name="from"/>..<paramref name="to"/> are in its window: the scores become the weights e^(s − m_new)
    /// (0 outside the window), the running sum takes them, and the accumulator is rescaled when the max grew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(float* s, int count, int from, int to, float* runningMax, float* runningSum, float* acc, int headDim)
    {
        if (from > to)
        {
            for (int j = 0; j < count; j++) s[j] = 0f;
            return;
        }
        float blockMax = BlockMax(s + from, to - from + 1);
        float oldMax = *runningMax;
        float newMax = MathF.Max(oldMax, blockMax);
        for (int j = 0; j < from; j++) s[j] = 0f;
        for (int j = to + 1; j < count; j++) s[j] = 0f;
        float sum = ExpShifted(s + from, to - from + 1, newMax);
        if (newMax > oldMax)
        {
            float rescale = MathF.Exp(MathF.Max(oldMax - newMax, FlashDecoding.MinExponent));
            Scale(acc, rescale, headDim);
            *runningSum = MathF.FusedMultiplyAdd(*runningSum, rescale, sum);
        }
        else
        {
            *runningSum += sum;
        }
        *runningMax = newMax;
    }

    /// <summary>
    /// The largest of <paramref name="count"/> scores, eight at a time (vmaxps; MathF.Max's NaN handling costs three
    /// instructions a score, in one dependent chain). A NaN score still reaches the output through its own weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BlockMax(float* s, int count)
    {
        int j = 0;
        float max = AttentionTiles.NoScore;
        if (count >= 8)
        {
            var m = Vector256.Load(s);
            for (j = 8; j + 8 <= count; j += 8) m = Avx.Max(m, Vector256.Load(s + j));
            var q = Sse.Max(m.GetLower(), m.GetUpper());
            q = Sse.Max(q, Sse.Shuffle(q, q, 0x4E));
            max = Sse.MaxScalar(q, Sse.Shuffle(q, q, 0xB1)).ToScalar();
        }
        for (; j < count; j++) max = s[j] > max ? s[j] : max;
        return max;
    }

    /// <summary>acc[d] += w·v[d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(float* acc, float w, float* v, int n)
    {
        var weight = Vector256.Create(w);
        for (int d = 0; d < n; d += 8) Fma.MultiplyAdd(weight, Vector256.Load(v + d), Vector256.Load(acc + d)).Store(acc + d);
    }

    /// <summary>x[d] *= factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(float* x, float factor, int n)
    {
        var f = Vector256.Create(factor);
        for (int d = 0; d < n; d += 8) (Vector256.Load(x + d) * f).Store(x + d);
    }

    /// <summary>s[j] = e^max(s[j] − max, −87) for j &lt; count; returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpShifted(float* s, int count, float max)
    {
        var shift = Vector256.Create(max);
        var sum = Vector256<float>.Zero;
        int j = 0;
        for (; j + 8 <= count; j += 8)
        {
            var e = Exp(Vector256.Load(s + j) - shift);
            e.Store(s + j);
            sum += e;
        }
        float total = Vector256.Sum(sum);
        for (; j < count; j++)
        {
            s[j] = MathF.Exp(MathF.Max(s[j] - max, FlashDecoding.MinExponent));
            total += s[j];
        }
        return total;
    }

    /// <summary>
    /// e^x for x ≤ 0, lanes below −87 taken as −87 (so the result, ≥ 1.6e-38, is never denormal): Cephes' expf,
    /// x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts), e^r by a degree-6 polynomial, 2^n put in the exponent bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(FlashDecoding.MinExponent));
        var n = Vector256.Floor(Fma.MultiplyAdd(x, Vector256.Create(1.44269504088896341f), Vector256.Create(0.5f)));
        var r = Fma.MultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Fma.MultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500E-4f);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.3981999507E-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(8.3334519073E-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(4.1665795894E-2f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.6666665459E-1f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(5.0000001201E-1f));
        var y = Fma.MultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var pow2 = ((Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23).AsSingle();
        return y * pow2;
    }
}
