using Microsoft.Extensions.AI;
using Mistral.Gpu.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="MistralChatClient"/> as the container's <see cref="IChatClient"/>.</summary>
public static class MistralGpuServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="MistralChatClient"/> (as itself and as <see cref="IChatClient"/>) that
    /// loads <paramref name="modelDirectory"/> on first use and is disposed with the container.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="modelDirectory">The model folder.</param>
    /// <param name="configure">Adjusts the client's options (backend, precision, prompt format, ...).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMistralGpuChatClient(this IServiceCollection services, string modelDirectory, Action<MistralChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = Configure(modelDirectory, configure);
        return services.AddMistralGpuChatClient(_ => MistralChatClient.Load(modelDirectory, options));
    }

    /// <summary>Registers the <see cref="MistralChatClient"/> that <paramref name="factory"/> creates, as itself and as <see cref="IChatClient"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="factory">Creates the client (once, on first use).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMistralGpuChatClient(this IServiceCollection services, Func<IServiceProvider, MistralChatClient> factory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        services.AddSingleton(factory);
        services.AddSingleton<IChatClient>(provider => provider.GetRequiredService<MistralChatClient>());
        return services;
    }

    /// <summary>
    /// Registers a <see cref="MistralChatClient"/> under <paramref name="serviceKey"/> (as itself and as
    /// <see cref="IChatClient"/>), for a host that serves several models.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key to resolve it by.</param>
    /// <param name="modelDirectory">The model folder.</param>
    /// <param name="configure">Adjusts the client's options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddKeyedMistralGpuChatClient(this IServiceCollection services, object? serviceKey, string modelDirectory, Action<MistralChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = Configure(modelDirectory, configure);
        services.AddKeyedSingleton(serviceKey, (_, _) => MistralChatClient.Load(modelDirectory, options));
        services.AddKeyedSingleton<IChatClient>(serviceKey, (provider, key) => provider.GetRequiredKeyedService<MistralChatClient>(key));
        return services;
    }

    private static MistralChatClientOptions Configure(string modelDirectory, Action<MistralChatClientOptions>? configure)
    {
        // A missing path is a wiring mistake: report it at registration, not at the first request.
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var options = new MistralChatClientOptions();
        configure?.Invoke(options);
        return options;
    }
}
