using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>Parsing hand-built models: unknown fields skipped, malformed protobuf rejected cleanly, BPE rules.</summary>
public class SentencePieceModelTests
{
    private const int Normal = 1, UserDefined = 4;

    private static SentencePieceTokenizer Tokenizer(params (string Text, float Score, int Type)[] pieces) =>
        new(SentencePieceModel.Parse(ProtoBuilder.Model(pieces).ToArray(), "test.model"));

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        byte[] model = ProtoBuilder.Model([("▁a", 0, Normal)])
            .VarintField(99, 12345)
            .Fixed64Field(100, 7)
            .BytesField(101, [1, 2, 3])
            .Key(102, 5).Raw(1, 2, 3, 4)
            .MessageField(2, new ProtoBuilder().VarintField(41, 1).Fixed64Field(77, 1).StringField(1, "corpus.txt"))
            .ToArray();
        SentencePieceModel parsed = SentencePieceModel.Parse(model, "test.model");
        Assert.Equal(ProtoBuilder.FirstNormalId + 1, parsed.Pieces.Count);
        Assert.Equal(SentencePieceModelType.Bpe, parsed.ModelType);
        Assert.True(parsed.ByteFallback);
    }

    [Fact]
    public void Negative_int32_ids_decode_as_negative()
    {
        byte[] model = ProtoBuilder.Model([("▁a", 0, Normal)])
            .MessageField(2, new ProtoBuilder().VarintField(41, -1).VarintField(43, -1)).ToArray();
        SentencePieceModel parsed = SentencePieceModel.Parse(model, "test.model");
        Assert.Equal(-1, parsed.BosId);
        Assert.Equal(-1, parsed.PadId);
        Assert.Throws<InvalidOperationException>(() => new SentencePieceTokenizer(parsed).Encode("a", addBos: true));
    }

    public static TheoryData<string, byte[], string> MalformedModels()
    {
        byte[] valid = ProtoBuilder.Model([("▁a", 0, Normal)]).ToArray();
        // Appended garbage uses field 9 (unknown to ModelProto) so the wire-level error is what fails.
        return new TheoryData<string, byte[], string>
        {
            { "truncated varint", [.. valid, 0x48, 0x80], "ended unexpectedly" },
            { "overlong varint", [.. valid, 0x48, .. Enumerable.Repeat((byte)0xFF, 11)], "malformed varint" },
            { "length beyond buffer", [.. valid, 0x0A, 0x7F, 0x01], "ended unexpectedly" },
            { "group wire type", [.. valid, 0x0B], "wire type 3" },
            { "wire type 7", [.. valid, 0x0F], "wire type 7" },
            { "field number 0", [.. valid, 0x00, 0x00], "invalid tag (zero)" },
            { "truncated fixed32", [.. valid, 0x4D, 0x01], "ended unexpectedly" },
            { "truncated file", valid[..(valid.Length / 2)], "malformed protobuf" },
            { "pieces as varint", [.. valid, 0x08, 0x01], "must be wire type 2" },
            { "invalid UTF-8 piece", [.. valid, .. new ProtoBuilder().MessageField(1, new ProtoBuilder().BytesField(1, [0xC3, 0x28])).ToArray()], "UTF-8" },
            { "duplicate piece", [.. valid, .. new ProtoBuilder().MessageField(1, ProtoBuilder.Piece("▁a", 0, Normal)).ToArray()], "defined twice" },
            { "empty piece", [.. valid, .. new ProtoBuilder().MessageField(1, ProtoBuilder.Piece("", 0, Normal)).ToArray()], "no text" },
            { "unknown piece type", [.. valid, .. new ProtoBuilder().MessageField(1, ProtoBuilder.Piece("zz", 0, 9)).ToArray()], "unknown type 9" },
            { "bad byte piece", [.. valid, .. new ProtoBuilder().MessageField(1, ProtoBuilder.Piece("<0xZZ>", 0, 6)).ToArray()], "<0xXX>" },
            { "bos out of range", [.. valid, .. new ProtoBuilder().MessageField(2, new ProtoBuilder().VarintField(41, 5000)).ToArray()], "bos_id 5000" },
            { "unk out of range", [.. valid, .. new ProtoBuilder().MessageField(2, new ProtoBuilder().VarintField(40, -1)).ToArray()], "unk_id -1" },
            { "no pieces", [], "no vocabulary" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedModels))]
    public void Malformed_model_is_InvalidDataException_naming_the_file(string what, byte[] bytes, string expectedWords)
    {
        var e = Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse(bytes, "bad.model"));
        Assert.StartsWith("bad.model:", e.Message);
        Assert.True(e.Message.Contains(expectedWords, StringComparison.Ordinal), $"{what}: '{e.Message}' does not mention '{expectedWords}'");
    }

    [Fact]
    public void Unigram_model_is_rejected_by_the_bpe_tokenizer()
    {
        SentencePieceModel model = SentencePieceModel.Parse(ProtoBuilder.Model([("▁a", 0, Normal)], modelType: 1).ToArray(), "uni.model");
        var e = Assert.Throws<InvalidDataException>(() => new SentencePieceTokenizer(model));
        Assert.Contains("uni.model", e.Message);
        Assert.Contains("BPE", e.Message);
    }

    [Fact]
    public void Missing_file_is_FileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "mistral-gpu-model-tests", "absent", "tokenizer.model");
        var e = Assert.Throws<FileNotFoundException>(() => SentencePieceTokenizer.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Highest_score_merges_first_and_leftmost_wins_ties()
    {
        int first = ProtoBuilder.FirstNormalId;
        SentencePieceTokenizer tokenizer = Tokenizer(("a", 0, Normal), ("b", 0, Normal), ("c", 0, Normal),
            ("ab", -1, Normal), ("bc", -1, Normal), ("▁", 0, Normal));
        // "ab" and "bc" tie: the leftmost pair merges, leaving "c".
        Assert.Equal([first + 5, first + 3, first + 2], tokenizer.Encode("abc", addBos: false));

        SentencePieceTokenizer preferBc = Tokenizer(("a", 0, Normal), ("b", 0, Normal), ("c", 0, Normal),
            ("ab", -2, Normal), ("bc", -1, Normal), ("▁", 0, Normal));
        Assert.Equal([first + 5, first + 0, first + 4], preferBc.Encode("abc", addBos: false));
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(-1f, -2f)]
    public void User_defined_pieces_stay_whole_and_unknown_chars_use_bytes(float spaceScore, float letterScore)
    {
        int first = ProtoBuilder.FirstNormalId;
        SentencePieceTokenizer tokenizer = Tokenizer(("▁", spaceScore, Normal), ("x", letterScore, Normal), ("[TOOL]", 0, UserDefined));
        Assert.Equal([first, first + 2, first + 1, 3 + 0xC3, 3 + 0xA9], tokenizer.Encode("[TOOL]xé", addBos: false));
        Assert.Equal("[TOOL]xé", tokenizer.Decode([1, first, first + 2, first + 1, 3 + 0xC3, 3 + 0xA9]));
    }

    /// <summary>Tied scores go through our merger, distinct ones through Microsoft.ML.Tokenizers: both must honour the flags.</summary>
    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(-2f, -3f)]
    public void Normalizer_flags_are_honoured(float spaceScore, float letterScore)
    {
        int first = ProtoBuilder.FirstNormalId;
        (string, float, int)[] pieces = [("▁", spaceScore, Normal), ("a", letterScore, Normal), ("▁a", 1, Normal)];
        var keepSpaces = new SentencePieceTokenizer(SentencePieceModel.Parse(
            ProtoBuilder.Model(pieces, addDummyPrefix: false, removeExtraWhitespaces: false).ToArray(), "keep.model"));
        Assert.Equal([first + 1, first + 0, first + 2], keepSpaces.Encode("a  a", addBos: false));

        var collapse = new SentencePieceTokenizer(SentencePieceModel.Parse(ProtoBuilder.Model(pieces).ToArray(), "collapse.model"));
        Assert.Equal([first + 2, first + 2], collapse.Encode("  a  a ", addBos: false));
    }
}
