namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>A turn held at the <see cref="ModelGate"/>; disposing it (once) lets the next request in.</summary>
internal sealed class GateTurn(Action leave) : IDisposable
{
    private int _left;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0) leave();
    }
}
