namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// Sees every launch of a <see cref="Transformer"/> pass: the bench records device events around each
/// one (the per-kernel profile) and prices each from its role and the model's shapes, so it measures
/// the runner's own forward pass rather than a copy of it.
/// </summary>
public interface IForwardObserver
{
    /// <summary>Called just before the step's launches are queued.</summary>
    void Starting(ForwardStep step);

    /// <summary>Called just after they are queued (not when they finish: launches are asynchronous).</summary>
    void Queued(ForwardStep step);
}
