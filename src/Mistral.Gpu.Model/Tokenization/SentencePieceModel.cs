namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// The parts of a sentencepiece <c>tokenizer.model</c> (a serialized ModelProto) that encoding and
/// decoding need: the vocabulary, the special ids, byte fallback and the normalizer flags.
/// </summary>
public sealed class SentencePieceModel
{
    internal SentencePieceModel(
        string source,
        ReadOnlyMemory<byte> data,
        IReadOnlyList<VocabularyPiece> pieces,
        SentencePieceModelType modelType,
        bool byteFallback,
        int unkId,
        int bosId,
        int eosId,
        int padId,
        string normalizerName,
        bool addDummyPrefix,
        bool removeExtraWhitespaces,
        bool escapeWhitespaces)
    {
        Source = source;
        Data = data;
        Pieces = pieces;
        ModelType = modelType;
        ByteFallback = byteFallback;
        UnkId = unkId;
        BosId = bosId;
        EosId = eosId;
        PadId = padId;
        NormalizerName = normalizerName;
        AddDummyPrefix = addDummyPrefix;
        RemoveExtraWhitespaces = removeExtraWhitespaces;
        EscapeWhitespaces = escapeWhitespaces;
    }

    /// <summary>Largest tokenizer.model accepted: real ones are well under 10 MB.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>Where the model was read from (for messages).</summary>
    public string Source { get; }

    /// <summary>The serialized ModelProto this was parsed from, handed as is to Microsoft.ML.Tokenizers.</summary>
    internal ReadOnlyMemory<byte> Data { get; }

    /// <summary>The vocabulary; a piece's id is its index.</summary>
    public IReadOnlyList<VocabularyPiece> Pieces { get; }

    /// <summary>Segmentation algorithm (TrainerSpec.model_type, default unigram).</summary>
    public SentencePieceModelType ModelType { get; }

    /// <summary>Whether characters outside the vocabulary become <c>&lt;0xXX&gt;</c> byte pieces instead of unk.</summary>
    public bool ByteFallback { get; }

    /// <summary>Id of the unknown piece (TrainerSpec.unk_id, default 0).</summary>
    public int UnkId { get; }

    /// <summary>Id of BOS (TrainerSpec.bos_id, default 1); -1 when the model has none.</summary>
    public int BosId { get; }

    /// <summary>Id of EOS (TrainerSpec.eos_id, default 2); -1 when the model has none.</summary>
    public int EosId { get; }

    /// <summary>Id of padding (TrainerSpec.pad_id, default -1 = none).</summary>
    public int PadId { get; }

    /// <summary>Normalizer rule name (e.g. "identity"; Llama and Mistral models use identity).</summary>
    public string NormalizerName { get; }

    /// <summary>Whether a space is prepended to non-empty input (NormalizerSpec.add_dummy_prefix, default true).</summary>
    public bool AddDummyPrefix { get; }

    /// <summary>Whether leading/trailing spaces are dropped and runs of spaces collapsed (default true).</summary>
    public bool RemoveExtraWhitespaces { get; }

    /// <summary>Whether spaces are written as U+2581 (default true).</summary>
    public bool EscapeWhitespaces { get; }

    /// <summary>Reads and validates a <c>tokenizer.model</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The path is a folder or a special file, or the file is larger than <see cref="MaxBytes"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid sentencepiece model.</exception>
    public static SentencePieceModel Load(string path)
    {
        return Parse(Files.FileKinds.ReadAllBytes(path, "tokenizer model", MaxBytes), path);
    }

    /// <summary>Reads and validates a serialized ModelProto from <paramref name="stream"/> (read to its end, not disposed).</summary>
    /// <param name="stream">The model's bytes, e.g. a <c>tokenizer.model</c> built in memory.</param>
    /// <param name="source">Name used in error messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid sentencepiece model.</exception>
    public static SentencePieceModel Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), source);
    }

    /// <summary>Parses a serialized ModelProto.</summary>
    /// <param name="data">The protobuf bytes.</param>
    /// <param name="source">Name used in error messages (usually the path).</param>
    public static SentencePieceModel Parse(ReadOnlyMemory<byte> data, string source) =>
        SentencePieceModelParser.Parse(data, source);
}
