namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>
/// Sets a cl_kernel's arguments by the device ABI of <see cref="KernelDefinition"/>: a buffer is
/// (cl_mem, int element offset, int element length); a scalar is its value at its own size;
/// specializations are compiled in and not passed.
/// </summary>
internal static unsafe class ClKernelArguments
{
    public static void Set(nint clKernel, KernelDefinition kernel, ReadOnlySpan<KernelArgument> arguments)
    {
        uint index = 0;
        for (int i = 0; i < kernel.Parameters.Count; i++)
        {
            var parameter = kernel.Parameters[i];
            var argument = arguments[i];
            switch (parameter.Kind)
            {
                case KernelParameterKind.Specialization:
                    continue;
                case KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer:
                    nint mem = argument.Buffer!.NativeHandle;
                    int offset = (int)argument.Offset, length = (int)argument.Length;
                    SetOne(clKernel, kernel, parameter, index++, (nuint)sizeof(nint), &mem);
                    SetOne(clKernel, kernel, parameter, index++, sizeof(int), &offset);
                    SetOne(clKernel, kernel, parameter, index++, sizeof(int), &length);
                    break;
                default:
                    // Little-endian: the low bytes of the 64-bit holder are the value at its own size.
                    ulong bits = argument.ScalarBits;
                    SetOne(clKernel, kernel, parameter, index++, ScalarSize(parameter), &bits);
                    break;
            }
        }
    }

    /// <summary>Bytes a scalar of the parameter's type occupies in the C signature.</summary>
    public static nuint ScalarSize(KernelParameter parameter) => parameter.Type switch
    {
        var t when t == typeof(int) || t == typeof(uint) || t == typeof(float) => 4,
        var t when t == typeof(long) || t == typeof(ulong) || t == typeof(double) => 8,
        var t => throw new NotSupportedException($"Scalar parameter '{parameter.Name}' has type {t.Name}; kernels take int, uint, long, float or double scalars."),
    };

    private static void SetOne(nint clKernel, KernelDefinition kernel, KernelParameter parameter, uint index, nuint size, void* value) =>
        ClErrors.Check(ClApi.clSetKernelArg(clKernel, index, size, value), $"clSetKernelArg({kernel.Name}, '{parameter.Name}', index {index})");
}
