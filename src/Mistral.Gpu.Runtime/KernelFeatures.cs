namespace Mistral.Gpu.Runtime;

/// <summary>What a kernel uses, as the generator found it; backends and the launcher act on it.</summary>
[Flags]
public enum KernelFeatures
{
    /// <summary>Nothing special.</summary>
    None = 0,
    /// <summary>Calls <c>Group.Barrier()</c>.</summary>
    Barrier = 1,
    /// <summary>Uses warp collectives: the group size must be a multiple of 32.</summary>
    Warp = 2,
    /// <summary>Allocates shared memory.</summary>
    SharedMemory = 4,
    /// <summary>Uses atomics.</summary>
    Atomics = 8,
    /// <summary>Reads or writes halves.</summary>
    Half = 16,
}
