using System.Buffers.Binary;
using System.Text;

namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// Bounded little-endian reads over the start of a GGUF file. Every read names the field it reads, so running off the
/// end is one message saying which field was cut short and where; no length taken from the file is trusted before it
/// is checked against the bytes that remain.
/// </summary>
internal ref struct GgufCursor(ReadOnlySpan<byte> data, string path)
{
    // Strict UTF-8: a key or token that is not valid UTF-8 is corruption, not something to paper over.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public readonly string Path => path;

    public ReadOnlySpan<byte> Take(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw FormatErrors.Invalid(path, $"truncated: {field} needs {count} bytes at offset {Position}, but only {Remaining} remain");
        var bytes = _data.Slice(Position, (int)count);
        Position += (int)count;
        return bytes;
    }

    public byte U8(string field) => Take(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public float F32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    public double F64(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    /// <summary>A count that the rest of the file can hold at <paramref name="minBytesEach"/> bytes per item.</summary>
    public int Count(string field, int minBytesEach)
    {
        ulong count = U64(field);
        if (count > (ulong)(Remaining / Math.Max(minBytesEach, 1)))
            throw FormatErrors.Invalid(path, $"{field} is {count}, more than the {Remaining} bytes left in the file can hold (the file is truncated or the count is corrupt)");
        return (int)count;
    }

    public string String(string field)
    {
        ulong length = U64($"{field} (length)");
        if (length > (ulong)Remaining)
            throw FormatErrors.Invalid(path, $"truncated: {field} is {length} bytes long, but only {Remaining} bytes remain at offset {Position}");
        var bytes = Take((long)length, field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw FormatErrors.Invalid(path, $"{field} is not valid UTF-8", e);
        }
    }
}
