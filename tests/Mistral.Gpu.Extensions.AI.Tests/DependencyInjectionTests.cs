using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>AddMistralGpuChatClient registers one client, as itself and as IChatClient, loaded on first use and disposed with the container.</summary>
public sealed class DependencyInjectionTests
{
    private static void OnCpu(MistralChatClientOptions options)
    {
        options.Backend = BackendKind.Cpu;
        options.PromptFormat = MistralPromptFormat.Completion;
    }

    [Fact]
    public async Task The_registered_client_generates_the_reference_and_is_disposed_with_the_container()
    {
        var services = new ServiceCollection();
        Assert.Same(services, services.AddMistralGpuChatClient(TestPaths.ShippedStories260k, OnCpu));
        MistralChatClient concrete;
        using (var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }))
        {
            var client = provider.GetRequiredService<IChatClient>();
            concrete = provider.GetRequiredService<MistralChatClient>();
            Assert.Same(concrete, client);
            Assert.Same(client, provider.GetRequiredService<IChatClient>());

            var story = StoriesReference.Load()[0];
            var response = await client.GetResponseAsync(StoriesModel.User(story.Prompt), new ChatOptions { MaxOutputTokens = 20 });
            Assert.Equal(concrete.Tokenizer.Decode(story.GeneratedIds.AsSpan(0, 20)), response.Text);
        }
        Assert.True(concrete.Model.Embedding.IsDisposed);
        Assert.True(concrete.Model.Accelerator.IsDisposed);
    }

    [Fact]
    public void Keyed_registrations_are_separate_clients()
    {
        var services = new ServiceCollection()
            .AddKeyedMistralGpuChatClient("small", TestPaths.ShippedStories260k, o => { OnCpu(o); o.ModelId = "small"; })
            .AddKeyedMistralGpuChatClient("other", TestPaths.ShippedStories260k, o => { OnCpu(o); o.ModelId = "other"; });
        using var provider = services.BuildServiceProvider();
        var small = provider.GetRequiredKeyedService<IChatClient>("small");
        var other = provider.GetRequiredKeyedService<IChatClient>("other");
        Assert.NotSame(small, other);
        Assert.Same(small, provider.GetRequiredKeyedService<MistralChatClient>("small"));
        Assert.Equal("small", small.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Equal("other", other.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Null(provider.GetService<IChatClient>());
    }

    [Fact]
    public void A_factory_registration_uses_the_factorys_client()
    {
        using var stories = new StoriesModel();
        var services = new ServiceCollection().AddMistralGpuChatClient(_ => stories.Client());
        using var provider = services.BuildServiceProvider();
        Assert.Same(stories.Model, provider.GetRequiredService<IChatClient>().GetService<Mistral.Gpu.Model.Runner.MistralModel>());
    }

    [Fact]
    public void Registration_rejects_missing_arguments()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddMistralGpuChatClient(""));
        Assert.Throws<ArgumentNullException>(() => services.AddMistralGpuChatClient((string)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddMistralGpuChatClient((Func<IServiceProvider, MistralChatClient>)null!));
        Assert.Throws<ArgumentNullException>(() => MistralGpuServiceCollectionExtensions.AddMistralGpuChatClient(null!, TestPaths.ShippedStories260k));
        Assert.Empty(services);
    }
}
