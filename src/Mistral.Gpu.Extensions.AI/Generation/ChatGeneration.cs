using Mistral.Gpu.Model.Generation;

namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>Runs one request on the client's generator; the caller holds the model's gate.</summary>
internal static class ChatGeneration
{
    /// <summary>
    /// Generates the answer to <paramref name="request"/>, passing each final piece of text to
    /// <paramref name="onText"/>. Returns early, after the current token, when
    /// <paramref name="cancellationToken"/> fires (the outcome is then <see cref="ChatOutcome.Cancelled"/>).
    /// </summary>
    /// <param name="generator">The client's generator (and KV cache).</param>
    /// <param name="request">The validated request.</param>
    /// <param name="reuseCache">Keep the cached prefix of the previous request instead of starting from an empty cache.</param>
    /// <param name="onText">Receives text as it becomes final; never called with an empty string.</param>
    /// <param name="onToken">Sees every token the generator samples (for diagnostics), or null.</param>
    /// <param name="cancellationToken">Stops generation after the current token.</param>
    public static ChatOutcome Run(TextGenerator generator, ChatRequest request, bool reuseCache, Action<string> onText, Action<GeneratedToken>? onToken, CancellationToken cancellationToken)
    {
        if (!reuseCache) generator.Reset();
        var filter = new AnswerTextFilter(request.Prompt.StripLeadingSpace, request.StopSequences);
        var text = new System.Text.StringBuilder();
        // A stop sequence ends generation the same way a cancel does: the generator checks the token
        // after every sampled token, so nothing is computed past the match.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Emit(string piece)
        {
            if (piece.Length == 0) return;
            text.Append(piece);
            onText(piece);
        }
        var result = generator.Generate(request.Prompt.Tokens, request.Sampling, token =>
        {
            onToken?.Invoke(token);
            Emit(filter.Append(token.Text));
            if (filter.Stopped) stop.Cancel();
        }, stop.Token);
        Emit(filter.Flush());
        return new ChatOutcome(result, text.ToString(), filter.Stopped);
    }
}
