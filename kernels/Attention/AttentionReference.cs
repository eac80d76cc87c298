namespace Mistral.Gpu.Kernels;

/// <summary>Scalar references (double accumulation) for RoPE and sliding-window GQA attention.</summary>
internal static class AttentionReference
{
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
}
