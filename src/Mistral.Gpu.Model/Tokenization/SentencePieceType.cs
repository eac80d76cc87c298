namespace Mistral.Gpu.Model.Tokenization;

/// <summary>The kind of a vocabulary piece (sentencepiece's SentencePiece.Type).</summary>
public enum SentencePieceType
{
    /// <summary>An ordinary piece produced by merges.</summary>
    Normal = 1,
    /// <summary>The unknown-token piece.</summary>
    Unknown = 2,
    /// <summary>A control token (BOS, EOS, ...): never produced from text, decodes to nothing.</summary>
    Control = 3,
    /// <summary>A piece the trainer was told to keep whole.</summary>
    UserDefined = 4,
    /// <summary>A reserved piece that encoding never produces.</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece <c>&lt;0xXX&gt;</c> standing for one raw byte.</summary>
    Byte = 6,
}
