using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The RoPE inverse frequencies <c>theta^(-2i/headDim)</c>, i = 0 .. headDim/2 - 1, computed once on the
/// host in fp32 exactly as the PyTorch reference does (<c>1.0 / theta ** (arange(0, hd, 2).float() / hd)</c>)
/// and kept on the device for <see cref="MistralKernels.Rope"/>.
/// </summary>
public sealed class RopeTable : IDisposable
{
    private RopeTable(DeviceBuffer<float> inverseFrequencies, int headDim, float theta)
    {
        InverseFrequencies = inverseFrequencies;
        HeadDim = headDim;
        Theta = theta;
    }

    /// <summary>The <c>headDim / 2</c> inverse frequencies on the device.</summary>
    public DeviceBuffer<float> InverseFrequencies { get; }

    /// <summary>The head size the table was made for.</summary>
    public int HeadDim { get; }

    /// <summary>The RoPE base.</summary>
    public float Theta { get; }

    /// <summary>Computes the table for <paramref name="headDim"/> and <paramref name="theta"/> and uploads it.</summary>
    /// <exception cref="ArgumentException"><paramref name="headDim"/> is not a positive even number, or <paramref name="theta"/> is not a finite number above 1.</exception>
    public static RopeTable Create(Accelerator accelerator, int headDim, float theta)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        float[] table = ComputeInverseFrequencies(headDim, theta);
        return new RopeTable(accelerator.Upload<float>(table), headDim, theta);
    }

    /// <summary>The inverse frequencies on the host, in the reference's fp32 arithmetic:
    /// exponent <c>(float)(2i) / headDim</c>, <c>powf(theta, exponent)</c>, then <c>1f / that</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="headDim"/> is not a positive even number, or <paramref name="theta"/> is not a finite number above 1.</exception>
    public static float[] ComputeInverseFrequencies(int headDim, float theta)
    {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"headDim must be a positive even number, got {headDim}.", nameof(headDim));
        if (!float.IsFinite(theta) || theta <= 1f)
            throw new ArgumentException($"theta must be a finite number above 1, got {theta}.", nameof(theta));
        var table = new float[headDim / 2];
        for (int i = 0; i < table.Length; i++)
        {
            float exponent = (float)(2 * i) / headDim;
            table[i] = 1f / MathF.Pow(theta, exponent);
        }
        return table;
    }

    /// <summary>Frees the device table.</summary>
    public void Dispose() => InverseFrequencies.Dispose();
}
