namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>
/// Admits one request at a time to the model and its KV cache; the others wait in arrival order.
/// Closing it cancels the waiters, and the resources are released by whoever leaves last — the
/// closer when nothing runs, otherwise the request in flight — so a dispose never pulls the model
/// from under a running generation and never waits for it (which could deadlock a caller that
/// disposes from inside its own streaming loop).
/// </summary>
internal sealed class ModelGate(Action releaseResources)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private int _closed, _released;

    /// <summary>Fires when the gate closes; a request in flight stops after its current token.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Waits for this request's turn.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The gate closed before or while waiting.</exception>
    public async Task<GateTurn> EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsClosed, typeof(MistralChatClient));
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            await _turn.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(MistralChatClient));
        }
        if (IsClosed)
        {
            Leave();
            throw new ObjectDisposedException(nameof(MistralChatClient));
        }
        return new GateTurn(Leave);
    }

    /// <summary>Closes the gate: no new turns, waiting ones fail, the running one is asked to stop.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _closing.Cancel();
        if (_turn.Wait(0)) Release();
    }

    private void Leave()
    {
        _turn.Release();
        if (IsClosed && _turn.Wait(0)) Release();
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) releaseResources();
    }
}
