using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Chat;

/// <summary>
/// Mistral's instruct format as its v1 tokenizer builds it:
/// <c>&lt;s&gt;[INST] {user} [/INST]{assistant}&lt;/s&gt;[INST] {user2} [/INST]</c>.
/// BOS comes once at the start and EOS after each assistant answer, both inserted as ids: text that
/// happens to read "&lt;s&gt;" is tokenized as ordinary characters, so a user cannot forge control tokens.
/// Each segment is tokenized on its own (with the tokenizer's dummy-prefix space), as mistral-common does.
/// A system prompt is prepended to the first user message, separated by a blank line.
/// With a v3 tokenizer (Mistral 7B v0.3's <c>tokenizer.model.v3</c>, whose <c>[INST]</c> and <c>[/INST]</c> are
/// control pieces) a user turn is <c>[INST]</c> as its id, the message tokenized on its own, then <c>[/INST]</c> as
/// its id, as mistral-common's v3 tokenizer builds it: typed text "[INST]" stays ordinary characters there too.
/// </summary>
public sealed class InstructTemplate
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly (int Begin, int End)? _controlIds;

    /// <summary>Creates the template over <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">A tokenizer with BOS and EOS ids.</param>
    public InstructTemplate(SentencePieceTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.BosId < 0 || tokenizer.EosId < 0)
            throw new ArgumentException("the instruct format needs a tokenizer with BOS and EOS ids", nameof(tokenizer));
        _tokenizer = tokenizer;
        _controlIds = ControlId(tokenizer, "[INST]") is { } begin && ControlId(tokenizer, "[/INST]") is { } end ? (begin, end) : null;
    }

    /// <summary>True when the tokenizer has <c>[INST]</c> / <c>[/INST]</c> as control tokens (v3), which the template then inserts as ids.</summary>
    public bool UsesControlTokens => _controlIds is not null;

    private static int? ControlId(SentencePieceTokenizer tokenizer, string piece) =>
        tokenizer.TryGetId(piece, out int id) && tokenizer.IsControl(id) ? id : null;

    /// <summary>The text a user turn becomes before tokenization.</summary>
    /// <param name="content">The user's message (with any system prompt already prepended).</param>
    public static string UserSegment(string content) => $"[INST] {content} [/INST]";

    /// <summary>
    /// Token ids of a conversation: an optional system message, then user and assistant turns
    /// alternating, starting with a user turn. Ending on a user turn leaves the prompt ready for the
    /// model's answer.
    /// </summary>
    /// <param name="messages">The conversation.</param>
    /// <exception cref="ArgumentException">The roles are out of order or there is no user turn.</exception>
    public int[] Encode(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        int start = 0;
        string? system = null;
        if (messages.Count > 0 && messages[0].Role == ChatRole.System)
        {
            system = messages[0].Content;
            start = 1;
        }
        if (start >= messages.Count)
            throw new ArgumentException("the conversation needs at least one user message", nameof(messages));

        var ids = new List<int> { _tokenizer.BosId };
        for (int i = start; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            ChatRole expected = (i - start) % 2 == 0 ? ChatRole.User : ChatRole.Assistant;
            if (message.Role != expected)
                throw new ArgumentException($"message {i} is {message.Role} but {expected} was expected: after an optional system message, user and assistant turns alternate starting with user", nameof(messages));

            if (message.Role == ChatRole.User)
            {
                string content = i == start && !string.IsNullOrEmpty(system) ? $"{system}\n\n{message.Content}" : message.Content;
                if (_controlIds is var (begin, end))
                {
                    ids.Add(begin);
                    ids.AddRange(_tokenizer.Encode(content, addBos: false));
                    ids.Add(end);
                }
                else
                    ids.AddRange(_tokenizer.Encode(UserSegment(content), addBos: false));
            }
            else
            {
                ids.AddRange(_tokenizer.Encode(message.Content, addBos: false));
                ids.Add(_tokenizer.EosId);
            }
        }
        return ids.ToArray();
    }
}
