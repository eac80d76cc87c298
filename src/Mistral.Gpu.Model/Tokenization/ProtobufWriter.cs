using Google.Protobuf;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Builds protobuf messages field by field (the few field kinds a sentencepiece ModelProto uses) on Google.Protobuf's
/// <see cref="CodedOutputStream"/>, for models written in memory (a GGUF file's tokenizer metadata).
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _bytes = new();
    private readonly CodedOutputStream _output;

    public ProtobufWriter() => _output = new CodedOutputStream(_bytes, leaveOpen: true);

    public byte[] ToArray()
    {
        _output.Flush();
        return _bytes.ToArray();
    }

    public ProtobufWriter Varint(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
        return this;
    }

    public ProtobufWriter Float(int field, float value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed32);
        _output.WriteFloat(value);
        return this;
    }

    public ProtobufWriter String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
        return this;
    }

    public ProtobufWriter Message(int field, ProtobufWriter message)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(ByteString.CopyFrom(message.ToArray()));
        return this;
    }
}
