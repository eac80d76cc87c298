namespace Mistral.Gpu.Extensions.AI;

/// <summary>How <see cref="MistralChatClient"/> turns a message list into the model's prompt.</summary>
public enum MistralPromptFormat
{
    /// <summary>
    /// Mistral's instruct template (<c>&lt;s&gt;[INST] user [/INST]answer&lt;/s&gt;[INST] ...</c>), as the
    /// instruct models were trained on; the conversation must end on a user message. The answer's
    /// leading dummy-prefix space is dropped, so it can be appended to the history as it is.
    /// </summary>
    Instruct,

    /// <summary>
    /// Plain text continuation for base models (such as the shipped stories260k): the messages' text is
    /// concatenated in order and encoded with BOS, exactly as <c>mistral-gpu generate</c> encodes its
    /// prompt, and the response is the continuation.
    /// </summary>
    Completion,
}
