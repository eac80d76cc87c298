using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Chat;
using Mistral.Gpu.Model.Tokenization;
using ModelMessage = Mistral.Gpu.Model.Chat.ChatMessage;
using ModelRole = Mistral.Gpu.Model.Chat.ChatRole;

namespace Mistral.Gpu.Extensions.AI.Prompting;

/// <summary>
/// Turns a Microsoft.Extensions.AI message list into prompt ids, in the client's
/// <see cref="MistralPromptFormat"/>. Every rejection is an <see cref="ArgumentException"/> for
/// <c>messages</c> that says which message is wrong and why, before any work is queued.
/// </summary>
internal sealed class ChatPromptEncoder(SentencePieceTokenizer tokenizer, MistralPromptFormat format)
{
    private const string ParamName = "messages";
    private const string TurnSeparator = "\n\n";

    private readonly InstructTemplate? _template = format == MistralPromptFormat.Instruct ? new InstructTemplate(tokenizer) : null;

    /// <summary>Encodes <paramref name="messages"/>, with <paramref name="instructions"/> (ChatOptions.Instructions) as extra system text.</summary>
    public EncodedPrompt Encode(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, string? instructions)
    {
        ArgumentNullException.ThrowIfNull(messages, ParamName);
        var turns = messages.Select((message, index) => (Role: RoleOf(message, index), Text: TextOf(message, index))).ToList();
        if (turns.Count == 0)
            throw new ArgumentException("The message list is empty: give at least one user message.", ParamName);
        return _template is null ? EncodeCompletion(turns, instructions) : EncodeInstruct(turns, instructions);
    }

    private EncodedPrompt EncodeCompletion(List<(ModelRole Role, string Text)> turns, string? instructions)
    {
        string prefix = string.IsNullOrEmpty(instructions) ? "" : instructions + TurnSeparator;
        string text = prefix + string.Concat(turns.Select(t => t.Text));
        return new EncodedPrompt(tokenizer.Encode(text, addBos: true), StripLeadingSpace: false);
    }

    private EncodedPrompt EncodeInstruct(List<(ModelRole Role, string Text)> turns, string? instructions)
    {
        // Mistral's v1 template has one system prompt, before the first user turn: leading system
        // messages and ChatOptions.Instructions merge into it; a later one has nowhere to go.
        var system = new List<string>();
        var conversation = new List<ModelMessage>();
        for (int i = 0; i < turns.Count; i++)
        {
            var (role, text) = turns[i];
            if (role == ModelRole.System)
            {
                if (conversation.Count > 0)
                    throw new ArgumentException($"Message {i} is a system message after the conversation started; Mistral's instruct format has one system prompt, before the first user message.", ParamName);
                system.Add(text);
            }
            else if (conversation.Count > 0 && conversation[^1].Role == role)
            {
                // Two user (or assistant) messages in a row are one turn to the template.
                conversation[^1] = conversation[^1] with { Content = conversation[^1].Content + TurnSeparator + text };
            }
            else
            {
                conversation.Add(new ModelMessage(role, text));
            }
        }
        if (!string.IsNullOrEmpty(instructions)) system.Add(instructions);
        if (conversation.Count == 0 || conversation[^1].Role != ModelRole.User)
            throw new ArgumentException("The last message must be a user message: the instruct format asks the model to answer the user.", ParamName);
        if (system.Count > 0) conversation.Insert(0, ModelMessage.System(string.Join(TurnSeparator, system)));
        return new EncodedPrompt(_template!.Encode(conversation), StripLeadingSpace: true);
    }

    private static ModelRole RoleOf(Microsoft.Extensions.AI.ChatMessage? message, int index)
    {
        if (message is null) throw new ArgumentException($"Message {index} is null.", ParamName);
        var role = message.Role;
        if (role == Microsoft.Extensions.AI.ChatRole.User) return ModelRole.User;
        if (role == Microsoft.Extensions.AI.ChatRole.Assistant) return ModelRole.Assistant;
        if (role == Microsoft.Extensions.AI.ChatRole.System) return ModelRole.System;
        throw new ArgumentException($"Message {index} has the role '{role}'; only system, user and assistant messages are supported (Mistral.Gpu does not call tools).", ParamName);
    }

    private static string TextOf(Microsoft.Extensions.AI.ChatMessage message, int index)
    {
        foreach (var content in message.Contents)
        {
            // Usage is metadata a streamed response carries, not something the model said.
            if (content is TextContent or UsageContent) continue;
            throw new ArgumentException($"Message {index} contains {content?.GetType().Name ?? "a null content"}; only text content is supported.", ParamName);
        }
        return message.Text;
    }
}
