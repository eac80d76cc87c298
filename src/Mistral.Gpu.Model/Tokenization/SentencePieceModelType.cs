namespace Mistral.Gpu.Model.Tokenization;

/// <summary>The segmentation algorithm of a sentencepiece model (TrainerSpec.model_type).</summary>
public enum SentencePieceModelType
{
    /// <summary>Unigram language model (sentencepiece's default).</summary>
    Unigram = 1,
    /// <summary>Byte-pair encoding: what Llama and Mistral tokenizers use.</summary>
    Bpe = 2,
    /// <summary>Whitespace-delimited words.</summary>
    Word = 3,
    /// <summary>Single characters.</summary>
    Char = 4,
}
