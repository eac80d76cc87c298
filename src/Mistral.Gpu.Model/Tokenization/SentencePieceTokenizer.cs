using System.Text;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Encodes text to token ids and back with a sentencepiece BPE model (the <c>tokenizer.model</c>
/// Llama and Mistral ship). Encoding is Microsoft.ML.Tokenizers' (normalize with the model's flags,
/// keep user-defined pieces whole, merge by piece score, byte fallback); decoding is ours, one id at
/// a time to bytes, because the library's decoder drops the first piece's leading space whether or
/// not a BOS came before it and cannot hold back half a UTF-8 character, which streaming needs.
/// </summary>
public sealed class SentencePieceTokenizer
{
    private const string UnknownSurface = " \u2047 ";
    private const char SpaceSymbol = '\u2581';

    private readonly Dictionary<string, int> _anyPiece = new(StringComparer.Ordinal);
    private readonly byte[]?[] _textBytes;
    private readonly SentencePieceEncoder _encoder;

    /// <summary>Builds a tokenizer over a parsed model.</summary>
    /// <param name="model">A BPE sentencepiece model.</param>
    /// <exception cref="InvalidDataException">The model is not BPE, or Microsoft.ML.Tokenizers cannot use it.</exception>
    public SentencePieceTokenizer(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ModelType != SentencePieceModelType.Bpe)
            throw FormatErrors.Invalid(model.Source, $"model_type is {model.ModelType}; only BPE sentencepiece models are supported");
        Model = model;

        _textBytes = new byte[model.Pieces.Count][];
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            VocabularyPiece piece = model.Pieces[id];
            _anyPiece[piece.Text] = id;
            _textBytes[id] = piece.Type switch
            {
                SentencePieceType.Normal or SentencePieceType.UserDefined => Encoding.UTF8.GetBytes(piece.Text.Replace(SpaceSymbol, ' ')),
                SentencePieceType.Unknown => Encoding.UTF8.GetBytes(UnknownSurface),
                _ => null,
            };
        }
        _encoder = new SentencePieceEncoder(model);
    }

    /// <summary>The parsed model.</summary>
    public SentencePieceModel Model { get; }

    /// <summary>Number of token ids.</summary>
    public int VocabSize => Model.Pieces.Count;

    /// <summary>Beginning-of-sequence id (-1 when the model has none).</summary>
    public int BosId => Model.BosId;

    /// <summary>End-of-sequence id (-1 when the model has none).</summary>
    public int EosId => Model.EosId;

    /// <summary>Unknown-token id.</summary>
    public int UnkId => Model.UnkId;

    /// <summary>Loads <c>tokenizer.model</c> from <paramref name="path"/>.</summary>
    /// <param name="path">The sentencepiece model file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a usable sentencepiece BPE model; the message starts with its path.</exception>
    public static SentencePieceTokenizer Load(string path) => new(SentencePieceModel.Load(path));

    /// <summary>Loads a serialized ModelProto from <paramref name="stream"/>, e.g. one built in memory from GGUF metadata.</summary>
    /// <param name="stream">The model's bytes (read to its end, not disposed).</param>
    /// <param name="source">Name used in error messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not a usable sentencepiece BPE model; the message starts with <paramref name="source"/>.</exception>
    public static SentencePieceTokenizer Load(Stream stream, string source) => new(SentencePieceModel.Load(stream, source));

    /// <summary>Loads a serialized ModelProto held in memory.</summary>
    /// <param name="data">The model's bytes.</param>
    /// <param name="source">Name used in error messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not a usable sentencepiece BPE model; the message starts with <paramref name="source"/>.</exception>
    public static SentencePieceTokenizer Parse(ReadOnlyMemory<byte> data, string source) => new(SentencePieceModel.Parse(data, source));

    /// <summary>The piece text of <paramref name="id"/> (U+2581 for spaces, <c>&lt;0xXX&gt;</c> for bytes).</summary>
    /// <param name="id">A token id.</param>
    public string GetPiece(int id) => Model.Pieces[CheckId(id)].Text;

    /// <summary>The id of a piece by its exact text, of any type.</summary>
    /// <param name="piece">Piece text.</param>
    /// <param name="id">Its id.</param>
    public bool TryGetId(string piece, out int id)
    {
        if (_anyPiece.TryGetValue(piece, out id))
            return true;
        id = -1;
        return false;
    }

    /// <summary>True for control tokens (BOS, EOS, ...), which encode from no text and decode to none.</summary>
    /// <param name="id">A token id.</param>
    public bool IsControl(int id) => Model.Pieces[CheckId(id)].Type == SentencePieceType.Control;

    /// <summary>Encodes <paramref name="text"/>. Control-token text such as "&lt;s&gt;" is encoded as ordinary characters.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addBos">Prepend BOS.</param>
    /// <param name="addEos">Append EOS.</param>
    public int[] Encode(string text, bool addBos = true, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addBos)
            ids.Add(BosId >= 0 ? BosId : throw new InvalidOperationException($"{Model.Source}: the model has no BOS token"));

        _encoder.Append(text, ids);

        if (addEos)
            ids.Add(EosId >= 0 ? EosId : throw new InvalidOperationException($"{Model.Source}: the model has no EOS token"));
        return ids.ToArray();
    }

    /// <summary>
    /// Decodes ids to text: byte pieces become raw bytes, U+2581 a space, control tokens nothing; the
    /// leading space of the first text piece after BOS (the dummy prefix) is dropped.
    /// </summary>
    /// <param name="ids">Token ids.</param>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var decoder = new TokenStreamDecoder(this);
        var text = new StringBuilder();
        foreach (int id in ids)
            text.Append(decoder.Append(id));
        text.Append(decoder.Flush());
        return text.ToString();
    }

    /// <summary>A decoder that takes ids one at a time and returns only complete UTF-8 text.</summary>
    public TokenStreamDecoder CreateStreamDecoder() => new(this);

    /// <summary>Adds the bytes <paramref name="id"/> decodes to; drops one leading space when <paramref name="stripLeadingSpace"/>.</summary>
    internal void AppendBytes(int id, bool stripLeadingSpace, List<byte> output)
    {
        VocabularyPiece piece = Model.Pieces[CheckId(id)];
        if (piece.Type == SentencePieceType.Byte)
        {
            ByteValueOfPiece.TryParse(piece.Text, out byte value);
            output.Add(value);
            return;
        }
        if (_textBytes[id] is not { } bytes)
            return;
        int start = stripLeadingSpace && piece.Type != SentencePieceType.Unknown && bytes.Length > 0 && bytes[0] == (byte)' ' ? 1 : 0;
        for (int i = start; i < bytes.Length; i++)
            output.Add(bytes[i]);
    }

    /// <summary>Whether a decoded piece right after BOS should lose its leading (dummy-prefix) space.</summary>
    internal bool StripsSpaceAfterBos => Model.AddDummyPrefix;

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)Model.Pieces.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {Model.Pieces.Count}");
        return id;
    }
}
