namespace Mistral.Gpu.Runtime;

/// <summary>A window of a <see cref="DeviceBuffer{T}"/>: what a typed launcher takes for a view parameter.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct BufferView<T> where T : unmanaged
{
    /// <summary>A window of <paramref name="length"/> elements from <paramref name="offset"/>.</summary>
    public BufferView(DeviceBuffer<T> buffer, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || offset + length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Window [{offset}, {offset + length}) lies outside a buffer of {buffer.Length} elements.");
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    /// <summary>The buffer (null for a default view).</summary>
    public DeviceBuffer<T>? Buffer { get; }

    /// <summary>First element.</summary>
    public long Offset { get; }

    /// <summary>Element count.</summary>
    public long Length { get; }

    /// <summary>Copies the window to a new host array.</summary>
    /// <exception cref="InvalidOperationException">The view is empty (default).</exception>
    public T[] ToArray()
    {
        var buffer = Buffer ?? throw new InvalidOperationException("A default view has no buffer to read.");
        var result = new T[Length];
        buffer.CopyTo(result, Offset);
        return result;
    }

    /// <summary>The whole buffer (null stays null so the launcher can name the parameter).</summary>
    public static implicit operator BufferView<T>(DeviceBuffer<T>? buffer) =>
        buffer is null ? default : new BufferView<T>(buffer, 0, buffer.Length);
}
