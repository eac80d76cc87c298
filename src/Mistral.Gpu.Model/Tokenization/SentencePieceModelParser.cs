using System.Text;
using Google.Protobuf;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Reads the fields of a sentencepiece ModelProto that the tokenizer needs with Google.Protobuf's
/// wire reader, and checks what Microsoft.ML.Tokenizers takes on trust (unique pieces, ids inside
/// the vocabulary, the byte-piece layout), so a corrupt file is one <see cref="InvalidDataException"/>
/// naming it. Field numbers are those of sentencepiece_model.proto: ModelProto {1 pieces,
/// 2 trainer_spec, 3 normalizer_spec}; SentencePiece {1 piece, 2 score, 3 type}; TrainerSpec
/// {3 model_type, 35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id}; NormalizerSpec
/// {1 name, 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}.
/// </summary>
internal static class SentencePieceModelParser
{
    // Strict UTF-8: invalid piece text is corruption, not something to paper over with U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private sealed class TrainerFields
    {
        public SentencePieceModelType ModelType = SentencePieceModelType.Unigram;
        public bool ByteFallback;
        public int UnkId;
        public int BosId = 1;
        public int EosId = 2;
        public int PadId = -1;
    }

    private sealed class NormalizerFields
    {
        public string Name = "";
        public bool AddDummyPrefix = true;
        public bool RemoveExtraWhitespaces = true;
        public bool EscapeWhitespaces = true;
    }

    public static SentencePieceModel Parse(ReadOnlyMemory<byte> data, string source)
    {
        var pieces = new List<VocabularyPiece>();
        var trainer = new TrainerFields();
        var normalizer = new NormalizerFields();
        try
        {
            var input = new CodedInputStream(data.ToArray());
            while (input.ReadTag() is var tag and not 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1:
                        pieces.Add(ReadPiece(Message(input, tag, "ModelProto.pieces", source), source, pieces.Count));
                        break;
                    case 2:
                        ReadTrainer(Message(input, tag, "ModelProto.trainer_spec", source), source, trainer);
                        break;
                    case 3:
                        ReadNormalizer(Message(input, tag, "ModelProto.normalizer_spec", source), source, normalizer);
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw FormatErrors.Invalid(source, $"malformed protobuf ({e.Message})", e);
        }

        Validate(source, pieces, trainer);
        return new SentencePieceModel(source, data, pieces, trainer.ModelType, trainer.ByteFallback,
            trainer.UnkId, trainer.BosId, trainer.EosId, trainer.PadId,
            normalizer.Name, normalizer.AddDummyPrefix, normalizer.RemoveExtraWhitespaces, normalizer.EscapeWhitespaces);
    }

    /// <summary>The bytes of a length-delimited field as its own reader; any other wire type is corruption.</summary>
    private static CodedInputStream Message(CodedInputStream input, uint tag, string field, string source)
    {
        Expect(tag, WireFormat.WireType.LengthDelimited, field, source);
        return new CodedInputStream(input.ReadBytes().ToByteArray());
    }

    private static void Expect(uint tag, WireFormat.WireType wireType, string field, string source)
    {
        if (WireFormat.GetTagWireType(tag) != wireType)
            throw FormatErrors.Invalid(source, $"malformed protobuf: {field} must be wire type {(int)wireType} ({wireType}), found wire type {(int)WireFormat.GetTagWireType(tag)}");
    }

    private static VocabularyPiece ReadPiece(CodedInputStream input, string source, int id)
    {
        string? text = null;
        float score = 0;
        int type = (int)SentencePieceType.Normal;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Expect(tag, WireFormat.WireType.LengthDelimited, $"piece {id}: SentencePiece.piece", source);
                    text = DecodeUtf8(input.ReadBytes(), source, $"piece {id}");
                    break;
                case 2:
                    Expect(tag, WireFormat.WireType.Fixed32, $"piece {id}: SentencePiece.score", source);
                    score = input.ReadFloat();
                    break;
                case 3:
                    Expect(tag, WireFormat.WireType.Varint, $"piece {id}: SentencePiece.type", source);
                    type = input.ReadInt32();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        if (string.IsNullOrEmpty(text))
            throw FormatErrors.Invalid(source, $"piece {id} has no text");
        if (type is < (int)SentencePieceType.Normal or > (int)SentencePieceType.Byte)
            throw FormatErrors.Invalid(source, $"piece {id} ('{text}') has unknown type {type}");
        return new VocabularyPiece(text, score, (SentencePieceType)type);
    }

    private static void ReadTrainer(CodedInputStream input, string source, TrainerFields trainer)
    {
        while (input.ReadTag() is var tag and not 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field is 3 or 35 or 40 or 41 or 42 or 43)
                Expect(tag, WireFormat.WireType.Varint, $"TrainerSpec field {field}", source);
            switch (field)
            {
                case 3:
                    int modelType = input.ReadInt32();
                    if (modelType is < (int)SentencePieceModelType.Unigram or > (int)SentencePieceModelType.Char)
                        throw FormatErrors.Invalid(source, $"TrainerSpec.model_type {modelType} is not a known model type");
                    trainer.ModelType = (SentencePieceModelType)modelType;
                    break;
                case 35: trainer.ByteFallback = input.ReadBool(); break;
                case 40: trainer.UnkId = input.ReadInt32(); break;
                case 41: trainer.BosId = input.ReadInt32(); break;
                case 42: trainer.EosId = input.ReadInt32(); break;
                case 43: trainer.PadId = input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static void ReadNormalizer(CodedInputStream input, string source, NormalizerFields normalizer)
    {
        while (input.ReadTag() is var tag and not 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field is 3 or 4 or 5)
                Expect(tag, WireFormat.WireType.Varint, $"NormalizerSpec field {field}", source);
            switch (field)
            {
                case 1:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "NormalizerSpec.name", source);
                    normalizer.Name = DecodeUtf8(input.ReadBytes(), source, "NormalizerSpec.name");
                    break;
                case 3: normalizer.AddDummyPrefix = input.ReadBool(); break;
                case 4: normalizer.RemoveExtraWhitespaces = input.ReadBool(); break;
                case 5: normalizer.EscapeWhitespaces = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static string DecodeUtf8(ByteString bytes, string source, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw FormatErrors.Invalid(source, $"{what} is not valid UTF-8", e);
        }
    }

    private static void Validate(string source, List<VocabularyPiece> pieces, TrainerFields trainer)
    {
        if (pieces.Count == 0)
            throw FormatErrors.Invalid(source, "the model has no vocabulary pieces");

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int firstByteId = -1, byteCount = 0;
        for (int id = 0; id < pieces.Count; id++)
        {
            VocabularyPiece piece = pieces[id];
            if (!seen.TryAdd(piece.Text, id))
                throw FormatErrors.Invalid(source, $"piece '{piece.Text}' is defined twice (ids {seen[piece.Text]} and {id})");
            if (piece.Type != SentencePieceType.Byte)
                continue;
            if (!ByteValueOfPiece.TryParse(piece.Text, out byte value))
                throw FormatErrors.Invalid(source, $"byte piece {id} is '{piece.Text}', not of the form <0xXX>");
            if (byteCount == 0)
                firstByteId = id;
            // Microsoft.ML.Tokenizers finds byte b at id(<0x00>) + b, as every sentencepiece trainer lays them out.
            if (id != firstByteId + byteCount || value != byteCount)
                throw FormatErrors.Invalid(source, $"byte piece {id} is '{piece.Text}'; byte pieces must be <0x00> ... <0xFF> at consecutive ids");
            byteCount++;
        }
        if (trainer.ByteFallback && byteCount != 256)
            throw FormatErrors.Invalid(source, $"byte_fallback is on but the vocabulary has {byteCount} of the 256 byte pieces");

        if (trainer.UnkId < 0 || trainer.UnkId >= pieces.Count)
            throw FormatErrors.Invalid(source, $"unk_id {trainer.UnkId} is outside the vocabulary of {pieces.Count} pieces");
        CheckOptionalId(source, "bos_id", trainer.BosId, pieces.Count);
        CheckOptionalId(source, "eos_id", trainer.EosId, pieces.Count);
        CheckOptionalId(source, "pad_id", trainer.PadId, pieces.Count);
    }

    private static void CheckOptionalId(string source, string name, int id, int count)
    {
        // -1 is how sentencepiece says "this model has no such token".
        if (id < -1 || id >= count)
            throw FormatErrors.Invalid(source, $"{name} {id} is outside the vocabulary of {count} pieces");
    }
}
