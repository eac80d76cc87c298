namespace Mistral.Gpu.Extensions.AI.Prompting;

/// <summary>A request's prompt as token ids.</summary>
/// <param name="Tokens">The ids, starting with BOS.</param>
/// <param name="StripLeadingSpace">Whether the answer's first character is a dummy-prefix space to drop (instruct answers).</param>
internal sealed record EncodedPrompt(int[] Tokens, bool StripLeadingSpace);
