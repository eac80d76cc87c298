using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Tokenizers;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Text to ids through Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/>: its normalizer (the
/// model's whitespace flags and any precompiled character map), its score-ordered BPE merges and
/// byte fallback. Three things stay ours, each shown by a test in LibraryGapTests:
/// BOS/EOS (the library turns a model's "no BOS", -1, into id 1); user-defined pieces (split out
/// after normalization, as sentencepiece does, where the library would add a dummy prefix after
/// each); and models with equal merge scores, where the library lets the rightmost pair win a tie
/// and sentencepiece the leftmost, so those go through <see cref="BpeMerger"/>. The library trusts
/// the file it reads, so anything it throws is reported as a fault of that file.
/// </summary>
internal sealed class SentencePieceEncoder
{
    // Touches every path of the library's encoder (ASCII, spaces, multi-byte and astral characters).
    private const string Probe = "Once upon a time,  café 日本 😀\n\t<s>";

    private readonly LlamaTokenizer _library;
    private readonly SentencePieceModel _model;
    private readonly Dictionary<string, int> _userDefined = new(StringComparer.Ordinal);
    private readonly string[] _userDefinedLongestFirst;
    private readonly Dictionary<string, int>? _tiedMergeable;

    public SentencePieceEncoder(SentencePieceModel model)
    {
        _model = model;
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            if (model.Pieces[id].Type == SentencePieceType.UserDefined)
                _userDefined[model.Pieces[id].Text] = id;
        }
        _userDefinedLongestFirst = _userDefined.Keys.OrderByDescending(p => p.Length).ToArray();
        _tiedMergeable = HasTiedScores(model) ? MergeablePieces(model) : null;

        byte[] data = MemoryMarshal.TryGetArray(model.Data, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : model.Data.ToArray();
        _library = Guard("cannot be read by Microsoft.ML.Tokenizers", () =>
        {
            using var stream = new MemoryStream(data, writable: false);
            return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        });
        Append(Probe, []);
    }

    /// <summary>Appends the ids of <paramref name="text"/> (no BOS/EOS) to <paramref name="ids"/>.</summary>
    public void Append(string text, List<int> ids)
    {
        string normalized = Guard("could not be used to normalize text", () => _library.Normalizer!.Normalize(text));
        int start = 0;
        for (int i = 0; i < normalized.Length;)
        {
            if (UserDefinedAt(normalized, i) is not { } piece)
            {
                i++;
                continue;
            }
            AppendMerged(normalized[start..i], ids);
            ids.Add(_userDefined[piece]);
            i += piece.Length;
            start = i;
        }
        AppendMerged(normalized[start..], ids);
    }

    private void AppendMerged(string normalized, List<int> ids)
    {
        if (normalized.Length == 0)
            return;
        if (_tiedMergeable is null)
        {
            ids.AddRange(Guard("could not be used to encode text", () => _library.EncodeToIds(normalized,
                addBeginningOfSentence: false, addEndOfSentence: false, considerPreTokenization: false, considerNormalization: false)));
            return;
        }
        var characters = new List<string>(normalized.Length);
        for (int i = 0; i < normalized.Length; i += char.IsSurrogatePair(normalized, i) ? 2 : 1)
            characters.Add(normalized.Substring(i, char.IsSurrogatePair(normalized, i) ? 2 : 1));
        foreach (string symbol in BpeMerger.Merge(characters, merged => _tiedMergeable.TryGetValue(merged, out int id) ? _model.Pieces[id].Score : null))
            AppendSymbol(symbol, ids);
    }

    /// <summary>A merged symbol's id, else its UTF-8 bytes as byte pieces (byte fallback), else unk.</summary>
    private void AppendSymbol(string symbol, List<int> ids)
    {
        if (_tiedMergeable!.TryGetValue(symbol, out int id))
        {
            ids.Add(id);
            return;
        }
        if (!_model.ByteFallback)
        {
            ids.Add(_model.UnkId);
            return;
        }
        // The parser checked that byte pieces are <0x00> ... <0xFF> at consecutive ids.
        int firstByteId = _model.Pieces.Select((piece, index) => (piece, index)).First(p => p.piece.Type == SentencePieceType.Byte).index;
        foreach (byte b in Encoding.UTF8.GetBytes(symbol))
            ids.Add(firstByteId + b);
    }

    private string? UserDefinedAt(string text, int index)
    {
        foreach (string candidate in _userDefinedLongestFirst)
        {
            if (string.CompareOrdinal(text, index, candidate, 0, candidate.Length) == 0)
                return candidate;
        }
        return null;
    }

    private static bool HasTiedScores(SentencePieceModel model)
    {
        var scores = new HashSet<float>();
        return model.Pieces.Any(p => p.Type == SentencePieceType.Normal && !scores.Add(p.Score));
    }

    private static Dictionary<string, int> MergeablePieces(SentencePieceModel model)
    {
        var pieces = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            if (model.Pieces[id].Type == SentencePieceType.Normal)
                pieces[model.Pieces[id].Text] = id;
        }
        return pieces;
    }

    private T Guard<T>(string what, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
        {
            throw FormatErrors.Invalid(_model.Source, $"the tokenizer model {what} ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
