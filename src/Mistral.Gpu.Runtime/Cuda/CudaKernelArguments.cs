namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// cuLaunchKernel's kernelParams for the <see cref="DeviceAbi"/>: each C argument gets an 8-byte slot (so every
/// pointer in the array is aligned for any scalar type) and the array holds the slots' addresses. The driver reads
/// each argument at its size from the signature, and on a little-endian machine a 4-byte value is the slot's low half.
/// </summary>
internal unsafe struct CudaKernelArguments(ulong* slots, void** pointers) : IDeviceArgumentSink
{
    private int slot;

    /// <summary>Fills <paramref name="slots"/> with the values and <paramref name="pointers"/> with their addresses.</summary>
    public static void Fill(KernelDefinition kernel, ReadOnlySpan<KernelArgument> arguments, ulong* slots, void** pointers)
    {
        var sink = new CudaKernelArguments(slots, pointers);
        DeviceAbi.Walk(kernel, arguments, ref sink);
    }

    /// <inheritdoc />
    public void Add(KernelParameter parameter, ulong value, int size)
    {
        slots[slot] = value;
        pointers[slot] = &slots[slot];
        slot++;
    }
}
