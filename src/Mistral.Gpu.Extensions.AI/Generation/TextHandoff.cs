using System.Threading.Channels;

namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>
/// Hands text from the generating thread to a streaming reader one piece at a time. After each piece
/// the producer waits until the reader asks for the next one, so the model never runs ahead of the
/// consumer: when the consumer cancels or stops reading, at most the token in flight is computed.
/// </summary>
internal sealed class TextHandoff
{
    private readonly Channel<string> _pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _requested = new(0);

    /// <summary>The reader's side.</summary>
    public ChannelReader<string> Reader => _pieces.Reader;

    /// <summary>Producer: passes <paramref name="piece"/> on and waits until the reader wants more or <paramref name="cancellationToken"/> fires.</summary>
    public void Publish(string piece, CancellationToken cancellationToken)
    {
        _pieces.Writer.TryWrite(piece);
        try
        {
            _requested.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The generator sees the same token right after this callback and stops there.
        }
    }

    /// <summary>Reader: the piece just read has been handled; let the producer compute the next.</summary>
    public void RequestNext() => _requested.Release();

    /// <summary>Producer: no more pieces (with the producer's error, if it failed).</summary>
    public void Complete(Exception? error = null) => _pieces.Writer.TryComplete(error);
}
