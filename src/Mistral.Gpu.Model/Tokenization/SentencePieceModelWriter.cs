namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Writes a sentencepiece ModelProto (the bytes of a <c>tokenizer.model</c>) for a BPE vocabulary, with the fields
/// <see cref="SentencePieceModel.Parse"/> reads: pieces, model type, byte fallback, special ids and the normaliser's
/// flags (identity rule, spaces escaped as U+2581).
/// </summary>
public static class SentencePieceModelWriter
{
    /// <summary>The ModelProto bytes of a BPE model over <paramref name="pieces"/> (id = index).</summary>
    /// <param name="pieces">The vocabulary.</param>
    /// <param name="unkId">Unknown-token id.</param>
    /// <param name="bosId">BOS id, or -1.</param>
    /// <param name="eosId">EOS id, or -1.</param>
    /// <param name="padId">Padding id, or -1.</param>
    /// <param name="addDummyPrefix">Prepend a space to the input (sentencepiece's add_dummy_prefix).</param>
    /// <param name="removeExtraWhitespaces">Collapse runs of spaces and trim (false for Llama's and Mistral's tokenizers).</param>
    public static byte[] Write(IReadOnlyList<VocabularyPiece> pieces, int unkId, int bosId, int eosId, int padId = -1,
        bool addDummyPrefix = true, bool removeExtraWhitespaces = false)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var proto = new ProtobufWriter();
        foreach (VocabularyPiece piece in pieces)
            proto.Message(1, new ProtobufWriter().String(1, piece.Text).Float(2, piece.Score).Varint(3, (int)piece.Type));
        proto.Message(2, new ProtobufWriter()
            .Varint(3, (int)SentencePieceModelType.Bpe)
            .Varint(35, pieces.Any(p => p.Type == SentencePieceType.Byte) ? 1 : 0)
            .Varint(40, unkId)
            .Varint(41, bosId)
            .Varint(42, eosId)
            .Varint(43, padId));
        proto.Message(3, new ProtobufWriter()
            .String(1, "identity")
            .Varint(3, addDummyPrefix ? 1 : 0)
            .Varint(4, removeExtraWhitespaces ? 1 : 0)
            .Varint(5, 1));
        return proto.ToArray();
    }
}
