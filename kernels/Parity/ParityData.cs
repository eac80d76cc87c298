namespace Mistral.Gpu.Kernels.Parity;

/// <summary>The inputs of the parity cases: reproducible from a seed, so a failure on one device reruns on another.</summary>
internal static class ParityData
{
    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static float[] Random(long count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>The values rounded to the nearest half and widened back: what an fp16 buffer holds.</summary>
    public static float[] RoundToHalf(float[] values) => Array.ConvertAll(values, v => (float)(Half)v);

    /// <summary>Widens for the comparisons.</summary>
    public static double[] Widen(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
