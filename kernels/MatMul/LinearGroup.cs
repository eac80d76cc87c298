using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Linear maps of one shared input (q, k, v; or gate, up), stored so a decode step needs one product: on
/// GPU-shaped backends (OpenCL, CUDA, ILGPU) their rows are concatenated once into <see cref="Fused"/> and each part
/// is a view of it; on the CPU backend, whose int4 path quantises the input once for all parts, they stay apart.
/// Pass it to <c>MistralKernels.MatMul</c>, whose output holds the parts one after the other.
/// </summary>
public sealed class LinearGroup : IDisposable
{
    private LinearGroup(IReadOnlyList<LinearWeights> parts, LinearWeights? fused)
    {
        Parts = parts;
        Fused = fused;
    }

    /// <summary>The maps in order; views of <see cref="Fused"/> when there is one.</summary>
    public IReadOnlyList<LinearWeights> Parts { get; }

    /// <summary>All parts' rows as one matrix, or null where they are kept apart.</summary>
    public LinearWeights? Fused { get; }

    /// <summary>K: columns of every part.</summary>
    public int InFeatures => Parts[0].InFeatures;

    /// <summary>The parts' rows together.</summary>
    public int OutFeatures => Parts.Sum(p => p.OutFeatures);

    /// <summary>Device bytes of all parts.</summary>
    public long DeviceBytes => Fused?.DeviceBytes ?? Parts.Sum(p => p.DeviceBytes);

    /// <summary>
    /// Groups <paramref name="parts"/> (one accelerator, one K); on a GPU-shaped backend, where they share a format and
    /// every part can be a view of the concatenation, they are concatenated and the originals disposed.
    /// </summary>
    /// <exception cref="ArgumentException">No parts, a null or disposed part, or parts that differ in accelerator or K.</exception>
    public static LinearGroup Create(IReadOnlyList<LinearWeights> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("A linear group needs at least one matrix.", nameof(parts));
        for (int i = 0; i < parts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(parts[i], nameof(parts));
            if (parts[i].IsDisposed) throw new ArgumentException($"parts[{i}] was already disposed.", nameof(parts));
            if (!ReferenceEquals(parts[i].Accelerator, parts[0].Accelerator) || parts[i].InFeatures != parts[0].InFeatures)
                throw new ArgumentException($"parts[{i}] ({parts[i].OutFeatures} x {parts[i].InFeatures} on {parts[i].Accelerator}) does not share parts[0]'s accelerator and K = {parts[0].InFeatures}.", nameof(parts));
        }
        if (!CanFuse(parts)) return new LinearGroup(parts.ToArray(), null);
        var fused = parts[0].Concatenate(parts.Skip(1).ToArray());
        var views = new LinearWeights[parts.Count];
        for (int i = 0, start = 0; i < parts.Count; start += parts[i].OutFeatures, i++) views[i] = fused.Rows(start, parts[i].OutFeatures);
        foreach (var part in parts) part.Dispose();
        return new LinearGroup(views, fused);
    }

    private static bool CanFuse(IReadOnlyList<LinearWeights> parts)
    {
        if (parts.Count < 2 || parts[0].Accelerator.Info.Backend == BackendKind.Cpu) return false;
        int start = 0;
        foreach (var part in parts)
        {
            if (part.GetType() != parts[0].GetType() || part is Int4Weights q && (q.GroupSize != ((Int4Weights)parts[0]).GroupSize || q.Layout != ((Int4Weights)parts[0]).Layout)) return false;
            if (!parts[0].CanViewFrom(start)) return false;
            start += part.OutFeatures;
        }
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var part in Parts) part.Dispose();
        Fused?.Dispose();
    }
}
