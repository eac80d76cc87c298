namespace Mistral.Gpu.Language;

/// <summary>Group-shared memory.</summary>
public static class Shared
{
    /// <summary>
    /// Declares <paramref name="length"/> elements of shared memory for the group. The length must
    /// be a compile-time constant (literals, <c>const</c>s and <see cref="SpecializeAttribute"/>
    /// parameters); the call must appear in the kernel body, not in a helper. Contents start
    /// undefined (poisoned with 0xFF bytes on the CPU backend).
    /// </summary>
    public static SharedView<T> Allocate<T>(int length) where T : unmanaged
    {
        var lane = KernelContext.Current;
        return lane.Group.AllocateShared<T>(lane, length);
    }
}
