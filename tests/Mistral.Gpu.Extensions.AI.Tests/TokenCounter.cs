namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>
/// Counts the tokens a client's generator samples (through its internal hook, on the generating
/// thread) and remembers the count at the moment a cancellation token fired, so a test can tell
/// how many were computed after the cancel.
/// </summary>
public sealed class TokenCounter
{
    private int _sampled;
    private int _atCancel = -1;

    public TokenCounter(MistralChatClient client)
    {
        // Id -1 is the generator flushing an unfinished UTF-8 tail, not a forward pass.
        client.TokenSampled = token =>
        {
            if (token.Id >= 0) Interlocked.Increment(ref _sampled);
        };
    }

    public int Sampled => Volatile.Read(ref _sampled);

    /// <summary>Tokens sampled after <see cref="Watch"/>'s token fired.</summary>
    public int AfterCancel => Volatile.Read(ref _atCancel) is var at and >= 0 ? Sampled - at : throw new InvalidOperationException("the token never fired");

    /// <summary>Records the count when <paramref name="token"/> fires (synchronously, inside Cancel).</summary>
    public CancellationTokenRegistration Watch(CancellationToken token) => token.Register(() => Volatile.Write(ref _atCancel, Sampled));
}
