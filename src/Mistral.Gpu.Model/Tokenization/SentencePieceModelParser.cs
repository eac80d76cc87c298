using System.Text;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Decodes a sentencepiece ModelProto by hand. Field numbers are those of sentencepiece_model.proto:
/// ModelProto {1 pieces, 2 trainer_spec, 3 normalizer_spec}; SentencePiece {1 piece, 2 score, 3 type};
/// TrainerSpec {3 model_type, 35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id};
/// NormalizerSpec {1 name, 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}.
/// Everything else is skipped by wire type.
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
        var reader = new ProtobufReader(data, source);
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == ProtobufReader.WireLengthDelimited:
                    pieces.Add(ReadPiece(reader.ReadLengthDelimited(), source, pieces.Count));
                    break;
                case 2 when wire == ProtobufReader.WireLengthDelimited:
                    ReadTrainer(reader.ReadLengthDelimited(), source, trainer);
                    break;
                case 3 when wire == ProtobufReader.WireLengthDelimited:
                    ReadNormalizer(reader.ReadLengthDelimited(), source, normalizer);
                    break;
                case 1 or 2 or 3:
                    throw reader.Error($"ModelProto field {field} must be length-delimited, found wire type {wire}");
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        Validate(source, pieces, trainer);
        return new SentencePieceModel(source, pieces, trainer.ModelType, trainer.ByteFallback,
            trainer.UnkId, trainer.BosId, trainer.EosId, trainer.PadId,
            normalizer.Name, normalizer.AddDummyPrefix, normalizer.RemoveExtraWhitespaces, normalizer.EscapeWhitespaces);
    }

    private static VocabularyPiece ReadPiece(ReadOnlyMemory<byte> message, string source, int id)
    {
        string? text = null;
        float score = 0;
        int type = (int)SentencePieceType.Normal;
        var reader = new ProtobufReader(message, source);
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field, wire)
            {
                case (1, ProtobufReader.WireLengthDelimited):
                    text = DecodeUtf8(reader.ReadLengthDelimited(), source, $"piece {id}");
                    break;
                case (2, ProtobufReader.WireFixed32):
                    score = reader.ReadFloat();
                    break;
                case (3, ProtobufReader.WireVarint):
                    type = reader.ReadInt32();
                    break;
                case (1 or 2 or 3, _):
                    throw reader.Error($"piece {id}: field {field} has the wrong wire type {wire}");
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (string.IsNullOrEmpty(text))
            throw FormatErrors.Invalid(source, $"piece {id} has no text");
        if (type is < (int)SentencePieceType.Normal or > (int)SentencePieceType.Byte)
            throw FormatErrors.Invalid(source, $"piece {id} ('{text}') has unknown type {type}");
        return new VocabularyPiece(text, score, (SentencePieceType)type);
    }

    private static void ReadTrainer(ReadOnlyMemory<byte> message, string source, TrainerFields trainer)
    {
        var reader = new ProtobufReader(message, source);
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            if (field is 3 or 35 or 40 or 41 or 42 or 43 && wire != ProtobufReader.WireVarint)
                throw reader.Error($"TrainerSpec field {field} must be a varint, found wire type {wire}");
            switch (field)
            {
                case 3:
                    int modelType = reader.ReadInt32();
                    if (modelType is < (int)SentencePieceModelType.Unigram or > (int)SentencePieceModelType.Char)
                        throw FormatErrors.Invalid(source, $"TrainerSpec.model_type {modelType} is not a known model type");
                    trainer.ModelType = (SentencePieceModelType)modelType;
                    break;
                case 35: trainer.ByteFallback = reader.ReadBool(); break;
                case 40: trainer.UnkId = reader.ReadInt32(); break;
                case 41: trainer.BosId = reader.ReadInt32(); break;
                case 42: trainer.EosId = reader.ReadInt32(); break;
                case 43: trainer.PadId = reader.ReadInt32(); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    private static void ReadNormalizer(ReadOnlyMemory<byte> message, string source, NormalizerFields normalizer)
    {
        var reader = new ProtobufReader(message, source);
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field, wire)
            {
                case (1, ProtobufReader.WireLengthDelimited):
                    normalizer.Name = DecodeUtf8(reader.ReadLengthDelimited(), source, "NormalizerSpec.name");
                    break;
                case (3, ProtobufReader.WireVarint): normalizer.AddDummyPrefix = reader.ReadBool(); break;
                case (4, ProtobufReader.WireVarint): normalizer.RemoveExtraWhitespaces = reader.ReadBool(); break;
                case (5, ProtobufReader.WireVarint): normalizer.EscapeWhitespaces = reader.ReadBool(); break;
                case (1 or 3 or 4 or 5, _):
                    throw reader.Error($"NormalizerSpec field {field} has the wrong wire type {wire}");
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private static string DecodeUtf8(ReadOnlyMemory<byte> bytes, string source, string what)
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
        for (int id = 0; id < pieces.Count; id++)
        {
            VocabularyPiece piece = pieces[id];
            if (!seen.TryAdd(piece.Text, id))
                throw FormatErrors.Invalid(source, $"piece '{piece.Text}' is defined twice (ids {seen[piece.Text]} and {id})");
            if (piece.Type == SentencePieceType.Byte && !ByteValueOfPiece.TryParse(piece.Text, out _))
                throw FormatErrors.Invalid(source, $"byte piece {id} is '{piece.Text}', not of the form <0xXX>");
        }

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
