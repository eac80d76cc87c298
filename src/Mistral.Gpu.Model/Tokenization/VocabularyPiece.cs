namespace Mistral.Gpu.Model.Tokenization;

/// <summary>One entry of the vocabulary; its id is its index.</summary>
/// <param name="Text">The piece, with U+2581 standing for a space.</param>
/// <param name="Score">Merge priority for BPE (higher merges first).</param>
/// <param name="Type">What kind of piece it is.</param>
public sealed record VocabularyPiece(string Text, float Score, SentencePieceType Type);
