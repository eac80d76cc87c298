namespace Mistral.Gpu.Model.Tests;

/// <summary>Writes protobuf wire format by hand, to build small and malformed sentencepiece models.</summary>
public sealed class ProtoBuilder
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public ProtoBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public ProtoBuilder Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
        return this;
    }

    public ProtoBuilder Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public ProtoBuilder VarintField(int field, long value) => Key(field, 0).Varint(unchecked((ulong)value));

    public ProtoBuilder BytesField(int field, byte[] value) => Key(field, 2).Varint((ulong)value.Length).Raw(value);

    public ProtoBuilder StringField(int field, string value) => BytesField(field, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtoBuilder FloatField(int field, float value) => Key(field, 5).Raw(BitConverter.GetBytes(value));

    public ProtoBuilder Fixed64Field(int field, ulong value) => Key(field, 1).Raw(BitConverter.GetBytes(value));

    public ProtoBuilder MessageField(int field, ProtoBuilder message) => BytesField(field, message.ToArray());

    /// <summary>A SentencePiece message: piece, score, type.</summary>
    public static ProtoBuilder Piece(string text, float score, int type) =>
        new ProtoBuilder().StringField(1, text).FloatField(2, score).VarintField(3, type);

    /// <summary>
    /// A small BPE model: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, then <paramref name="controlPieces"/> (as a v3
    /// tokenizer lays out [INST], [/INST], ...), all 256 byte pieces, then the given pieces with their scores.
    /// </summary>
    public static ProtoBuilder Model(IEnumerable<(string Text, float Score, int Type)> normalPieces,
        bool addDummyPrefix = true, bool removeExtraWhitespaces = true, int modelType = 2, IEnumerable<string>? controlPieces = null)
    {
        var model = new ProtoBuilder()
            .MessageField(1, Piece("<unk>", 0, 2))
            .MessageField(1, Piece("<s>", 0, 3))
            .MessageField(1, Piece("</s>", 0, 3));
        foreach (string control in controlPieces ?? [])
            model.MessageField(1, Piece(control, 0, 3));
        for (int b = 0; b < 256; b++)
            model.MessageField(1, Piece($"<0x{b:X2}>", 0, 6));
        foreach ((string text, float score, int type) in normalPieces)
            model.MessageField(1, Piece(text, score, type));
        model.MessageField(2, new ProtoBuilder().VarintField(3, modelType).VarintField(35, 1));
        model.MessageField(3, new ProtoBuilder().StringField(1, "identity")
            .VarintField(3, addDummyPrefix ? 1 : 0).VarintField(4, removeExtraWhitespaces ? 1 : 0));
        return model;
    }

    public const int FirstNormalId = 3 + 256;
}
