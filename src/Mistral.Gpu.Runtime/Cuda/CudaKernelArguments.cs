namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// Lays out cuLaunchKernel's kernelParams by the device ABI of <see cref="KernelDefinition"/>: a
/// buffer is (CUdeviceptr, int element offset, int element length); a scalar is its value;
/// specializations are compiled in and not passed. Each value gets an 8-byte slot, so every
/// pointer in the array is aligned for any scalar type.
/// </summary>
internal static unsafe class CudaKernelArguments
{
    /// <summary>Number of C parameters the kernel's signature has.</summary>
    public static int SlotCount(KernelDefinition kernel) =>
        kernel.Parameters.Sum(p => p.Kind switch
        {
            KernelParameterKind.Specialization => 0,
            KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer => 3,
            _ => 1,
        });

    /// <summary>Fills <paramref name="slots"/> with the values and <paramref name="pointers"/> with their addresses.</summary>
    public static void Fill(KernelDefinition kernel, ReadOnlySpan<KernelArgument> arguments, ulong* slots, void** pointers)
    {
        int slot = 0;
        for (int i = 0; i < kernel.Parameters.Count; i++)
        {
            var parameter = kernel.Parameters[i];
            var argument = arguments[i];
            switch (parameter.Kind)
            {
                case KernelParameterKind.Specialization:
                    continue;
                case KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer:
                    Put(slots, pointers, ref slot, (ulong)argument.Buffer!.NativeHandle);
                    Put(slots, pointers, ref slot, (uint)(int)argument.Offset);
                    Put(slots, pointers, ref slot, (uint)(int)argument.Length);
                    break;
                default:
                    // Little-endian: a 4-byte scalar read from the slot's address is its low half.
                    Put(slots, pointers, ref slot, argument.ScalarBits);
                    break;
            }
        }
    }

    private static void Put(ulong* slots, void** pointers, ref int slot, ulong value)
    {
        slots[slot] = value;
        pointers[slot] = &slots[slot];
        slot++;
    }
}
