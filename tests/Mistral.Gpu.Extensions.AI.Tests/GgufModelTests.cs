using Microsoft.Extensions.AI;
using Mistral.Gpu.Model.Tests;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime.Cpu;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>The client loads a .gguf file (weights and tokenizer from the one file) and answers as from the folder it was converted from.</summary>
public sealed class GgufModelTests
{
    [Fact]
    public async Task A_gguf_file_answers_like_its_folder()
    {
        using var folder = new TempFolder("gguf");
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(TestPaths.ShippedStories260k, "tokenizer.model"));
        string gguf = GgufExport.FromCheckpoint(TestPaths.ShippedStories260k, tokenizer: tokenizer).WriteTo(folder.Combine("stories260k.gguf"));
        var options = new MistralChatClientOptions { PromptFormat = MistralPromptFormat.Completion };
        var chat = new ChatOptions { MaxOutputTokens = 30 };
        using var accelerator = new CpuAccelerator();
        using var fromFolder = MistralChatClient.Load(accelerator, TestPaths.ShippedStories260k, options);
        using var fromGguf = MistralChatClient.Load(accelerator, gguf, options);
        string expected = (await fromFolder.GetResponseAsync("Once upon a time", chat)).Text;
        Assert.False(string.IsNullOrWhiteSpace(expected));
        Assert.Equal(expected, (await fromGguf.GetResponseAsync("Once upon a time", chat)).Text);
        Assert.Equal("stories260k.gguf", fromGguf.GetService<ChatClientMetadata>()!.DefaultModelId);
    }
}
