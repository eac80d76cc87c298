namespace Mistral.Gpu.Model.Sampling;

/// <summary>How the next token is chosen from the logits, and when generation stops.</summary>
/// <param name="Temperature">0 = greedy argmax; otherwise logits are divided by it before softmax.</param>
/// <param name="TopK">Keep only the K most likely tokens; 0 disables the filter.</param>
/// <param name="TopP">Keep the smallest set of most likely tokens whose probability reaches P; 1 disables it.</param>
/// <param name="Seed">Seed of the sampling RNG, for reproducible runs; null picks one at random.</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="StopTokenIds">Ids that end generation instead of the generator's defaults (EOS, BOS and any it was given); null means those defaults, empty means none.</param>
/// <param name="StopTexts">
/// Texts that end generation as soon as the generated text contains one; the stop text (and
/// anything after it) is neither streamed nor part of the result. Null or empty means none.
/// </param>
public sealed record SamplingOptions(
    float Temperature = 0f,
    int TopK = 0,
    float TopP = 1f,
    long? Seed = null,
    int MaxTokens = 256,
    IReadOnlyList<int>? StopTokenIds = null,
    IReadOnlyList<string>? StopTexts = null)
{
    /// <summary>Greedy decoding: argmax, lowest id on a tie.</summary>
    public static SamplingOptions Greedy { get; } = new();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
            throw new ArgumentException($"{nameof(Temperature)} must be a finite number >= 0, got {Temperature}", nameof(Temperature));
        if (TopK < 0)
            throw new ArgumentException($"{nameof(TopK)} must be >= 0 (0 disables it), got {TopK}", nameof(TopK));
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentException($"{nameof(TopP)} must be in (0, 1], got {TopP}", nameof(TopP));
        if (MaxTokens < 0)
            throw new ArgumentException($"{nameof(MaxTokens)} must be >= 0, got {MaxTokens}", nameof(MaxTokens));
        if (StopTexts is not null && StopTexts.Any(string.IsNullOrEmpty))
            throw new ArgumentException($"{nameof(StopTexts)} must not contain an empty text (it would stop before the first token)", nameof(StopTexts));
        return this;
    }

    /// <summary>True when <paramref name="tokenId"/> is one of <see cref="StopTokenIds"/>.</summary>
    /// <param name="tokenId">A generated id.</param>
    public bool IsStopToken(int tokenId) => StopTokenIds is not null && StopTokenIds.Contains(tokenId);
}
