using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// One accelerator per backend for a test class (xunit runs a class's tests one at a time, and an
/// accelerator is driven by one thread at a time). OpenCL is created on first use only.
/// </summary>
public sealed class AttentionBackends : IDisposable
{
    private readonly Dictionary<BackendKind, Accelerator> created = [];

    private Accelerator? lanes;

    /// <summary>The CPU backend stepping every kernel's lanes (no vectorised group bodies).</summary>
    public Accelerator Lanes => lanes ??= new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(useGroupBodies: false);

    /// <summary>"cpu" (group bodies), "cpu-lanes" or "opencl".</summary>
    public Accelerator Get(string run) => run switch
    {
        "cpu" => Get(BackendKind.Cpu),
        "cpu-lanes" => Lanes,
        "opencl" => Get(BackendKind.OpenCL),
        _ => throw new ArgumentException($"Unknown run '{run}'.", nameof(run)),
    };

    public Accelerator Get(BackendKind kind)
    {
        if (!created.TryGetValue(kind, out var accelerator))
        {
            accelerator = Accelerators.Create(kind);
            created[kind] = accelerator;
        }
        return accelerator;
    }

    public void Dispose()
    {
        foreach (var accelerator in created.Values) accelerator.Dispose();
        lanes?.Dispose();
    }
}

/// <summary>Scalar references (double accumulation) and comparison helpers for the attention family.</summary>
public static class AttentionReference
{
    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>
    /// RoPE on the host: inverse frequencies and angles formed in fp32 exactly like the PyTorch reference
    /// (the angle's rounding is part of the spec), cos/sin and the rotation in double.
    /// </summary>
    public static float[] Rope(float[] x, int tokens, int heads, int headDim, int startPos, float theta)
    {
        float[] inverse = RopeTable.ComputeInverseFrequencies(headDim, theta);
        var result = (float[])x.Clone();
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < headDim / 2; i++)
                {
                    float angle = (float)(startPos + t) * inverse[i];
                    double c = Math.Cos(angle), s = Math.Sin(angle);
                    int at = (t * heads + h) * headDim + 2 * i;
                    double re = x[at], im = x[at + 1];
                    result[at] = (float)(re * c - im * s);
                    result[at + 1] = (float)(re * s + im * c);
                }
        return result;
    }

    /// <summary>
    /// Attention over an explicit key list: the query of token t (position firstPos + t) attends every
    /// position j with i - W &lt; j &lt;= i, j &gt;= 0, from <paramref name="keys"/>/<paramref name="values"/>
    /// indexed by absolute position <c>[position, NKvHeads, HeadDim]</c>. Double throughout.
    /// </summary>
    public static double[] Attention(float[] queries, float[] keys, float[] values, AttentionShape shape, int tokens, int firstPos)
    {
        int d = shape.HeadDim, ratio = shape.GroupRatio;
        double scale = 1.0 / Math.Sqrt(d);
        var output = new double[tokens * shape.NHeads * d];
        var scores = new List<double>();
        for (int t = 0; t < tokens; t++)
        {
            long i = firstPos + t;
            long first = Math.Max(0, i - shape.Window + 1);
            for (int h = 0; h < shape.NHeads; h++)
            {
                int kvh = h / ratio;
                scores.Clear();
                for (long j = first; j <= i; j++)
                {
                    double dot = 0;
                    for (int e = 0; e < d; e++)
                        dot += (double)queries[(t * shape.NHeads + h) * d + e] * keys[(j * shape.NKvHeads + kvh) * d + e];
                    scores.Add(dot * scale);
                }
                double max = scores.Max();
                double sum = scores.Sum(s => Math.Exp(s - max));
                for (long j = first; j <= i; j++)
                {
                    double weight = Math.Exp(scores[(int)(j - first)] - max) / sum;
                    for (int e = 0; e < d; e++)
                        output[(t * shape.NHeads + h) * d + e] += weight * values[(j * shape.NKvHeads + kvh) * d + e];
                }
            }
        }
        return output;
    }

    /// <summary>Asserts |actual - expected| ≤ atol + rtol·|expected| everywhere and that every value is finite.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: {actual.Length} values, {expected.Length} expected");
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}: element {i} is {actual[i]}");
            double excess = Math.Abs(actual[i] - expected[i]) - (atol + rtol * Math.Abs(expected[i]));
            if (excess > worst)
            {
                worst = excess;
                worstAt = i;
            }
        }
        Assert.True(worstAt < 0,
            worstAt < 0 ? "" : $"{what}: element {worstAt} is {actual[worstAt]}, expected {expected[worstAt]} (|Δ| = {Math.Abs(actual[worstAt] - expected[worstAt]):E3}, atol {atol:E1}, rtol {rtol:E1})");
    }

    /// <summary>Widens floats for <see cref="AssertClose"/>.</summary>
    public static double[] Widen(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
