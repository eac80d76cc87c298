namespace Mistral.Gpu.Model.Chat;

/// <summary>Who wrote a chat message.</summary>
public enum ChatRole
{
    /// <summary>Instructions for the whole conversation; at most one, first.</summary>
    System,
    /// <summary>The person talking to the model.</summary>
    User,
    /// <summary>The model's earlier answers.</summary>
    Assistant,
}
