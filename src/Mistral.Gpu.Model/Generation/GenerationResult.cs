namespace Mistral.Gpu.Model.Generation;

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    /// <summary>The model produced a stop token (EOS, or BOS for models that end a text with it).</summary>
    StopToken,
    /// <summary><see cref="Sampling.SamplingOptions.MaxTokens"/> tokens were generated.</summary>
    MaxTokens,
    /// <summary>The next token would not fit in the model's context.</summary>
    ContextFull,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
    /// <summary>The generated text reached one of <see cref="Sampling.SamplingOptions.StopTexts"/>.</summary>
    StopText,
}

/// <summary>One generated token and the text it completes (empty while a UTF-8 character is still partial).</summary>
/// <param name="Id">The token id; -1 for bytes of an unfinished character flushed at the end.</param>
/// <param name="Text">Text now printable.</param>
public readonly record struct GeneratedToken(int Id, string Text);

/// <summary>The outcome of one <see cref="TextGenerator"/> call.</summary>
/// <param name="PromptTokens">The prompt's ids (with BOS).</param>
/// <param name="Tokens">The generated ids, without a stop token (with the ids that spelled a stop text).</param>
/// <param name="Text">The generated text, without a stop text and what followed it.</param>
/// <param name="StopReason">Why it ended.</param>
/// <param name="StopToken">The stop token produced, when <paramref name="StopReason"/> is <see cref="StopReason.StopToken"/>.</param>
/// <param name="PrefillTokens">Prompt tokens actually fed (fewer than the prompt when its start was still in the cache).</param>
/// <param name="PrefillSeconds">Wall time of the prefill.</param>
/// <param name="DecodeSteps">Single-token forward passes run.</param>
/// <param name="DecodeSeconds">Wall time of the decode loop (forward passes, sampling, detokenizing).</param>
/// <param name="StopText">The stop text reached, when <paramref name="StopReason"/> is <see cref="StopReason.StopText"/>.</param>
public sealed record GenerationResult(
    IReadOnlyList<int> PromptTokens,
    IReadOnlyList<int> Tokens,
    string Text,
    StopReason StopReason,
    int? StopToken,
    int PrefillTokens,
    double PrefillSeconds,
    int DecodeSteps,
    double DecodeSeconds,
    string? StopText = null)
{
    /// <summary>Prompt tokens per second.</summary>
    public double PrefillTokensPerSecond => PrefillSeconds > 0 ? PrefillTokens / PrefillSeconds : 0;

    /// <summary>Generated tokens per second of the decode loop (the first token comes from the prefill).</summary>
    public double DecodeTokensPerSecond => DecodeSeconds > 0 ? DecodeSteps / DecodeSeconds : 0;

    /// <summary>Generated tokens per second over prefill and decode together.</summary>
    public double TokensPerSecond => PrefillSeconds + DecodeSeconds > 0 ? Tokens.Count / (PrefillSeconds + DecodeSeconds) : 0;
}
