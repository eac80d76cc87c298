namespace Mistral.Gpu.Kernels;

/// <summary>Argmax on the host: the lowest index of the largest non-NaN value, -1 when there is none.</summary>
internal static class ArgmaxReference
{
    public static int Compute(ReadOnlySpan<float> row)
    {
        int best = -1;
        for (int i = 0; i < row.Length; i++)
            if (!float.IsNaN(row[i]) && (best < 0 || row[i] > row[best])) best = i;
        return best;
    }
}
