using System.Buffers.Binary;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// A minimal protobuf wire-format reader over a byte buffer, enough to decode sentencepiece's
/// ModelProto without a protobuf dependency. Every read is bounds-checked: malformed input (a
/// truncated varint, a length beyond the buffer, an unsupported wire type) becomes an
/// <see cref="InvalidDataException"/> naming the source file, never an index error.
/// </summary>
internal sealed class ProtobufReader
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly string _source;
    private int _position;

    public ProtobufReader(ReadOnlyMemory<byte> buffer, string source)
    {
        _buffer = buffer;
        _source = source;
    }

    public bool AtEnd => _position >= _buffer.Length;

    /// <summary>Reads a field key; returns the field number and wire type.</summary>
    public (int Field, int WireType) ReadKey()
    {
        int at = _position;
        ulong key = ReadVarint();
        int wireType = (int)(key & 7);
        ulong field = key >> 3;
        if (field == 0 || field > int.MaxValue >> 3)
            throw Error(at, $"invalid field number {field}");
        // Groups (3, 4) are deprecated and unused by sentencepiece; 6 and 7 do not exist.
        if (wireType is not (WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32))
            throw Error(at, $"unsupported wire type {wireType} for field {field}");
        return ((int)field, wireType);
    }

    public ulong ReadVarint()
    {
        int at = _position;
        ReadOnlySpan<byte> span = _buffer.Span;
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= span.Length)
                throw Error(at, "truncated varint");
            byte b = span[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return result;
        }
        throw Error(at, "varint longer than 10 bytes");
    }

    /// <summary>An int32/enum field: protobuf sign-extends negatives to 64 bits, so truncation recovers them.</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    public bool ReadBool() => ReadVarint() != 0;

    public float ReadFloat()
    {
        ReadOnlySpan<byte> bytes = Take(4, "float");
        return BinaryPrimitives.ReadSingleLittleEndian(bytes);
    }

    public ReadOnlyMemory<byte> ReadLengthDelimited()
    {
        int at = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position))
            throw Error(at, $"length {length} runs past the end of the data ({_buffer.Length - _position} bytes left)");
        ReadOnlyMemory<byte> result = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return result;
    }

    /// <summary>Skips a field's value of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case WireVarint: ReadVarint(); break;
            case WireFixed64: Take(8, "fixed64"); break;
            case WireLengthDelimited: ReadLengthDelimited(); break;
            case WireFixed32: Take(4, "fixed32"); break;
            default: throw Error(_position, $"unsupported wire type {wireType}");
        }
    }

    /// <summary>A message-level problem (e.g. a field with the wrong wire type) reported at the current position.</summary>
    public InvalidDataException Error(string message) => Error(_position, message);

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_buffer.Length - _position < count)
            throw Error(_position, $"truncated {what}: {count} bytes needed, {_buffer.Length - _position} left");
        ReadOnlySpan<byte> result = _buffer.Span.Slice(_position, count);
        _position += count;
        return result;
    }

    private InvalidDataException Error(int at, string message) =>
        FormatErrors.Invalid(_source, $"malformed protobuf at byte {at} of a {_buffer.Length}-byte message: {message}");
}
