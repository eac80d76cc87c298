using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// The tokenizer inside a GGUF file, as the <c>tokenizer.model</c> it was converted from: the
/// <c>tokenizer.ggml.*</c> metadata (tokens, scores, token types, BOS/EOS/UNK ids, space prefix, whitespace collapsing) written back as a
/// sentencepiece ModelProto and loaded through the tokenizer's own bytes factory, so whichever implementation sits
/// behind <see cref="SentencePieceTokenizer"/> reads it exactly as it reads the file Mistral ships.
/// </summary>
/// <remarks>
/// ggml's token types are sentencepiece's piece types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
/// 6 byte). What GGUF does not carry is filled in as Llama's and Mistral's tokenizer.model have it: BPE, the
/// identity normaliser, byte fallback when byte pieces are present, and no whitespace collapsing unless
/// <c>tokenizer.ggml.remove_extra_whitespaces</c> asks for it (llama.cpp's key; Mistral's tokenizer.model sets it false).
/// </remarks>
public static class GgufTokenizerModel
{
    /// <summary>The value of <c>tokenizer.ggml.model</c> for sentencepiece BPE, the only kind read.</summary>
    public const string SentencePieceModelName = "llama";

    /// <summary>Builds the tokenizer of <paramref name="metadata"/>.</summary>
    /// <param name="metadata">A GGUF file's metadata.</param>
    /// <exception cref="InvalidDataException">A tokenizer key is missing or wrong; the message names the file and the key.</exception>
    public static SentencePieceTokenizer Load(GgufMetadata metadata) =>
        new(SentencePieceModel.Parse(ToModelProto(metadata), metadata.Path));

    /// <summary>The sentencepiece ModelProto bytes equivalent to <paramref name="metadata"/>'s tokenizer.</summary>
    /// <param name="metadata">A GGUF file's metadata.</param>
    public static byte[] ToModelProto(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string path = metadata.Path;
        string model = metadata.OptionalString("tokenizer.ggml.model") ?? throw metadata.Missing("tokenizer.ggml.model");
        if (model != SentencePieceModelName)
            throw FormatErrors.Invalid(path, $"metadata 'tokenizer.ggml.model' is '{model}'; only '{SentencePieceModelName}' (sentencepiece BPE, Mistral's tokenizer) is supported");
        string[] tokens = metadata.OptionalArray<string>("tokenizer.ggml.tokens") ?? throw metadata.Missing("tokenizer.ggml.tokens");
        float[]? scores = metadata.OptionalArray<float>("tokenizer.ggml.scores");
        int[]? types = metadata.OptionalArray<int>("tokenizer.ggml.token_type");
        CheckLength(path, "tokenizer.ggml.scores", scores?.Length, tokens.Length);
        CheckLength(path, "tokenizer.ggml.token_type", types?.Length, tokens.Length);

        var pieces = new VocabularyPiece[tokens.Length];
        for (int id = 0; id < tokens.Length; id++)
        {
            int type = types?[id] ?? (int)SentencePieceType.Normal;
            if (type is < (int)SentencePieceType.Normal or > (int)SentencePieceType.Byte)
                throw FormatErrors.Invalid(path, $"metadata 'tokenizer.ggml.token_type'[{id}] is {type}, not a token type (1 to 6)");
            pieces[id] = new VocabularyPiece(tokens[id], scores?[id] ?? 0f, (SentencePieceType)type);
        }
        return SentencePieceModelWriter.Write(pieces,
            unkId: TokenId(metadata, "tokenizer.ggml.unknown_token_id", 0, tokens.Length),
            bosId: TokenId(metadata, "tokenizer.ggml.bos_token_id", 1, tokens.Length),
            eosId: TokenId(metadata, "tokenizer.ggml.eos_token_id", 2, tokens.Length),
            padId: TokenId(metadata, "tokenizer.ggml.padding_token_id", -1, tokens.Length),
            addDummyPrefix: metadata.OptionalBool("tokenizer.ggml.add_space_prefix") ?? true,
            removeExtraWhitespaces: metadata.OptionalBool("tokenizer.ggml.remove_extra_whitespaces") ?? false);
    }

    private static void CheckLength(string path, string key, int? length, int tokens)
    {
        if (length is { } n && n != tokens)
            throw FormatErrors.Invalid(path, $"metadata '{key}' has {n} entries but 'tokenizer.ggml.tokens' has {tokens}");
    }

    // -1 is how sentencepiece says "no such token".
    private static int TokenId(GgufMetadata metadata, string key, int fallback, int tokens)
    {
        int id = metadata.OptionalInt(key, minimum: -1) ?? fallback;
        if (id >= tokens)
            throw FormatErrors.Invalid(metadata.Path, $"metadata '{key}' = {id} is outside the vocabulary of {tokens} tokens");
        return id;
    }
}
