using Mistral.Gpu.Kernels.Proof;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>The scalar reference of <see cref="ProofKernels.MirrorSums"/>'s staged read.</summary>
internal static class MirrorSumsReference
{
    /// <summary>The element mirrored to <paramref name="i"/> within its group of 64, or 0 past the end.</summary>
    public static float Mirrored(float[] x, int i)
    {
        int group = ProofKernels.MirrorGroupSize;
        int mirror = i / group * group + group - 1 - i % group;
        return mirror < x.Length ? x[mirror] : 0f;
    }
}
