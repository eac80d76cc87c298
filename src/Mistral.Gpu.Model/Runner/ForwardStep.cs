namespace Mistral.Gpu.Model.Runner;

/// <summary>One launch of a <see cref="Transformer"/> pass, as an <see cref="IForwardObserver"/> sees it.</summary>
/// <param name="Role">What it computes.</param>
/// <param name="Layer">The block (−1 outside the blocks: embedding, final norm, classifier, argmax).</param>
/// <param name="Tokens">Tokens in the chunk (1 for a decode step); rows of the classifier for <see cref="ForwardRole.Output"/>.</param>
/// <param name="StartPosition">Position of the chunk's first token.</param>
public readonly record struct ForwardStep(ForwardRole Role, int Layer, int Tokens, int StartPosition);
