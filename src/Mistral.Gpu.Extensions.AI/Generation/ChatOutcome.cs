using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Generation;

namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>What one request produced.</summary>
/// <param name="Result">The generator's account: tokens, why it stopped, how much prompt was prefilled.</param>
/// <param name="Text">The answer as the caller sees it.</param>
/// <param name="StoppedOnSequence">Whether a stop sequence ended it.</param>
internal sealed record ChatOutcome(GenerationResult Result, string Text, bool StoppedOnSequence)
{
    /// <summary>True when generation ended because its cancellation token fired (not because of a stop sequence).</summary>
    public bool Cancelled => Result.StopReason == StopReason.Cancelled && !StoppedOnSequence;

    /// <summary>Stop for a stop token or sequence, Length for the token limit or a full context.</summary>
    public ChatFinishReason? FinishReason => StoppedOnSequence ? ChatFinishReason.Stop : Result.StopReason switch
    {
        StopReason.StopToken => ChatFinishReason.Stop,
        StopReason.MaxTokens or StopReason.ContextFull => ChatFinishReason.Length,
        _ => null,
    };

    /// <summary>Prompt and generated token counts; cached input is the prompt the KV cache already held.</summary>
    public UsageDetails Usage
    {
        get
        {
            int input = Result.PromptTokens.Count, output = Result.Tokens.Count;
            return new UsageDetails
            {
                InputTokenCount = input,
                OutputTokenCount = output,
                TotalTokenCount = input + output,
                CachedInputTokenCount = input - Result.PrefillTokens,
            };
        }
    }
}
