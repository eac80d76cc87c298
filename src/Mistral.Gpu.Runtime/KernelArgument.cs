using Mistral.Gpu.Language;

namespace Mistral.Gpu.Runtime;

/// <summary>
/// One launch argument: a window of a device buffer, or a scalar's bits. Generated launchers build
/// these; hosts calling a kernel by its <see cref="KernelDefinition"/> build them with the factories.
/// </summary>
public readonly struct KernelArgument
{
    private readonly ulong bits;

    private KernelArgument(DeviceBuffer? buffer, long offset, long length, Type type, ulong bits, bool isBuffer)
    {
        Buffer = buffer;
        Offset = offset;
        Length = length;
        Type = type;
        this.bits = bits;
        IsBuffer = isBuffer;
    }

    /// <summary>The buffer, for buffer arguments (null when a null buffer was passed).</summary>
    public DeviceBuffer? Buffer { get; }

    /// <summary>First element of the window, in elements.</summary>
    public long Offset { get; }

    /// <summary>Elements in the window.</summary>
    public long Length { get; }

    /// <summary>The element type of a buffer argument or the type of a scalar.</summary>
    public Type Type { get; }

    /// <summary>True for buffer arguments.</summary>
    public bool IsBuffer { get; }

    /// <summary>A whole buffer or a window of one.</summary>
    public static KernelArgument From<T>(BufferView<T> view) where T : unmanaged =>
        new(view.Buffer, view.Offset, view.Length, typeof(T), 0, true);

    /// <summary>A whole buffer of any element type (null allowed: the launch then fails with the parameter's name).</summary>
    public static KernelArgument FromBuffer(DeviceBuffer? buffer) =>
        new(buffer, 0, buffer?.Length ?? 0, buffer?.ElementType ?? typeof(void), 0, true);

    /// <summary>An int scalar (also used for specializations).</summary>
    public static KernelArgument From(int value) => new(null, 0, 0, typeof(int), (uint)value, false);

    /// <summary>A uint scalar.</summary>
    public static KernelArgument From(uint value) => new(null, 0, 0, typeof(uint), value, false);

    /// <summary>A long scalar.</summary>
    public static KernelArgument From(long value) => new(null, 0, 0, typeof(long), (ulong)value, false);

    /// <summary>A float scalar.</summary>
    public static KernelArgument From(float value) => new(null, 0, 0, typeof(float), BitConverter.SingleToUInt32Bits(value), false);

    /// <summary>A double scalar.</summary>
    public static KernelArgument From(double value) => new(null, 0, 0, typeof(double), BitConverter.DoubleToUInt64Bits(value), false);

    /// <summary>The raw little-endian bits of a scalar.</summary>
    public ulong ScalarBits => bits;

    /// <summary>The int value.</summary>
    public int AsInt32() => (int)(uint)bits;

    /// <summary>The uint value.</summary>
    public uint AsUInt32() => (uint)bits;

    /// <summary>The long value.</summary>
    public long AsInt64() => (long)bits;

    /// <summary>The float value.</summary>
    public float AsSingle() => BitConverter.UInt32BitsToSingle((uint)bits);

    /// <summary>The double value.</summary>
    public double AsDouble() => BitConverter.UInt64BitsToDouble(bits);

    /// <summary>The window as a writable view (CPU backend only).</summary>
    public unsafe View<T> AsView<T>() where T : unmanaged => new((T*)HostAddress<T>(), checked((int)Length));

    /// <summary>The window as a read-only view (CPU backend only).</summary>
    public unsafe ReadOnlyView<T> AsReadOnlyView<T>() where T : unmanaged => new((T*)HostAddress<T>(), checked((int)Length));

    private unsafe nint HostAddress<T>() where T : unmanaged
    {
        if (Buffer is null || Buffer.Accelerator.Info.Backend != BackendKind.Cpu)
            throw new InvalidOperationException("Views over device memory exist only on the CPU backend.");
        return Buffer.NativeHandle + (nint)(Offset * sizeof(T));
    }
}
