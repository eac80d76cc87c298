namespace Mistral.Gpu.Runtime;

/// <summary>Receives a launch's C arguments in order from <see cref="DeviceAbi.Walk{TSink}"/>.</summary>
internal interface IDeviceArgumentSink
{
    /// <summary>One C argument: <paramref name="size"/> bytes at <paramref name="value"/> (the low bytes of a 64-bit holder).</summary>
    void Add(KernelParameter parameter, ulong value, int size);
}

/// <summary>
/// The device ABI the generator writes and the GPU backends pass, in one place: a buffer is three C arguments (its
/// native handle, an int element offset, an int element length); a scalar is its value at its own size; a
/// specialization is compiled into the source and not passed.
/// </summary>
internal static class DeviceAbi
{
    /// <summary>How many C arguments the kernel's signature has.</summary>
    public static int ArgumentCount(KernelDefinition kernel)
    {
        int count = 0;
        foreach (var parameter in kernel.Parameters)
            count += parameter.Kind switch
            {
                KernelParameterKind.Specialization => 0,
                KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer => 3,
                _ => 1,
            };
        return count;
    }

    /// <summary>Hands <paramref name="sink"/> every C argument of the launch, in signature order.</summary>
    public static void Walk<TSink>(KernelDefinition kernel, ReadOnlySpan<KernelArgument> arguments, ref TSink sink) where TSink : struct, IDeviceArgumentSink
    {
        for (int i = 0; i < kernel.Parameters.Count; i++)
        {
            var parameter = kernel.Parameters[i];
            var argument = arguments[i];
            switch (parameter.Kind)
            {
                case KernelParameterKind.Specialization:
                    continue;
                case KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer:
                    sink.Add(parameter, (ulong)argument.Buffer!.NativeHandle, nint.Size);
                    sink.Add(parameter, (uint)(int)argument.Offset, sizeof(int));
                    sink.Add(parameter, (uint)(int)argument.Length, sizeof(int));
                    break;
                default:
                    sink.Add(parameter, argument.ScalarBits, ScalarSize(parameter));
                    break;
            }
        }
    }

    /// <summary>Bytes a scalar of the parameter's type occupies in the C signature.</summary>
    public static int ScalarSize(KernelParameter parameter) => parameter.Type switch
    {
        var t when t == typeof(int) || t == typeof(uint) || t == typeof(float) => 4,
        var t when t == typeof(long) || t == typeof(ulong) || t == typeof(double) => 8,
        var t => throw new NotSupportedException($"Scalar parameter '{parameter.Name}' has type {t.Name}; kernels take int, uint, long, float or double scalars."),
    };
}
