// Streams a model's answer through Microsoft.Extensions.AI's IChatClient: the whole integration a
// .NET host needs. Usage: ChatHost [PROMPT] [MODEL_DIR]; the backend is MISTRAL_GPU_BACKEND's, else
// the best available. stories260k is a base model (it continues stories; it never learnt the
// instruct format), so the prompt is continued as plain text; an instruct model would keep the
// default MistralPromptFormat.Instruct and take a whole conversation.
// The client sits inside Microsoft.Extensions.AI's pipeline (AsBuilder().UseLogging()...Build()), as a
// host would wire any IChatClient; the log goes to stderr so stdout holds only the story.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Mistral.Gpu.Extensions.AI;

string prompt = args.Length > 0 ? args[0] : "Once upon a time";
string modelDirectory = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "DefaultModel", "stories260k");

using ILoggerFactory logging = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(LogLevel.Debug)
    .AddSimpleConsole(console => console.SingleLine = true)
    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
using IChatClient client = MistralChatClient.Load(modelDirectory, new MistralChatClientOptions { PromptFormat = MistralPromptFormat.Completion })
    .AsBuilder()
    .UseLogging(logging)
    .Build();
var metadata = client.GetService<ChatClientMetadata>()!;
Console.Error.WriteLine($"{metadata.ProviderName}: {metadata.DefaultModelId}");

// Greedy, so the same prompt always gives the same story.
var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 40 };
UsageDetails? usage = null;
ChatFinishReason? finish = null;
Console.Write(prompt);
await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], options))
{
    Console.Write(update.Text);
    finish ??= update.FinishReason;
    usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
}
Console.WriteLine();
Console.Error.WriteLine($"finish: {finish}; tokens: {usage?.InputTokenCount} in, {usage?.OutputTokenCount} out");
