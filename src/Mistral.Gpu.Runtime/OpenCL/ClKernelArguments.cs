namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>Sets a cl_kernel's arguments by the <see cref="DeviceAbi"/>, each at its own size.</summary>
internal unsafe struct ClKernelArguments(nint clKernel, KernelDefinition kernel) : IDeviceArgumentSink
{
    private uint index;

    public static void Set(nint clKernel, KernelDefinition kernel, ReadOnlySpan<KernelArgument> arguments)
    {
        var sink = new ClKernelArguments(clKernel, kernel);
        DeviceAbi.Walk(kernel, arguments, ref sink);
    }

    /// <inheritdoc />
    public void Add(KernelParameter parameter, ulong value, int size)
    {
        // Little-endian: the low bytes of the 64-bit holder are the value at its own size.
        ClErrors.Check(ClApi.clSetKernelArg(clKernel, index, (nuint)size, &value), $"clSetKernelArg({kernel.Name}, '{parameter.Name}', index {index})");
        index++;
    }
}
