namespace Mistral.Gpu.Model.Chat;

/// <summary>One turn of a conversation.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">The text.</param>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    /// <summary>A system message.</summary>
    /// <param name="content">The text.</param>
    public static ChatMessage System(string content) => new(ChatRole.System, content);

    /// <summary>A user message.</summary>
    /// <param name="content">The text.</param>
    public static ChatMessage User(string content) => new(ChatRole.User, content);

    /// <summary>An assistant message.</summary>
    /// <param name="content">The text.</param>
    public static ChatMessage Assistant(string content) => new(ChatRole.Assistant, content);
}
