namespace Mistral.Gpu.Language;

/// <summary>Synchronisation of the lanes of one group.</summary>
public static class Group
{
    /// <summary>
    /// Waits until every lane of the group has arrived, and makes their shared- and global-memory
    /// writes visible to each other (CUDA <c>__syncthreads()</c>, OpenCL <c>barrier</c>). Every lane
    /// must reach the same barrier: one inside a branch that depends on the lane is a compile error.
    /// </summary>
    public static void Barrier() => throw Intrinsic.OutsideKernel(nameof(Barrier));
}
