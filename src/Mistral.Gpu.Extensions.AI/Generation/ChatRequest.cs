using Mistral.Gpu.Extensions.AI.Prompting;
using Mistral.Gpu.Model.Sampling;

namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>One validated request, ready to queue: everything that can be wrong with it was checked when it was built.</summary>
/// <param name="Prompt">The prompt ids.</param>
/// <param name="Sampling">How tokens are picked and how many at most.</param>
/// <param name="StopSequences">Text that ends the answer (not included in it).</param>
internal sealed record ChatRequest(EncodedPrompt Prompt, SamplingOptions Sampling, IReadOnlyList<string> StopSequences);
