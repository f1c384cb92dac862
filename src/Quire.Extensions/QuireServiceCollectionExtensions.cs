// QuireServiceCollectionExtensions: AddQuire, which registers one PageCache for the application.
//
// The class lives in Microsoft.Extensions.DependencyInjection, as the extension methods of
// Microsoft's own packages do, so AddQuire is found without another using directive.
//
// Locking: stateless; the container builds the cache once.

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quire;
using Quire.Extensions;

#pragma warning disable IDE0130 // the namespace of the extension point, by .NET convention, not the folder's
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers Quire's <see cref="PageCache"/> with a service collection.</summary>
public static class QuireServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="PageCache"/> with the default <see cref="QuireOptions"/>;
    /// see <see cref="AddQuire(IServiceCollection, Action{QuireOptions})"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddQuire(this IServiceCollection services) => services.AddQuire(static _ => { });

    /// <summary>
    /// Registers a singleton <see cref="PageCache"/> configured by <paramref name="configure"/>
    /// (and by any other configuration of <see cref="QuireOptions"/>, such as binding to a
    /// configuration section). The options are validated when the host starts
    /// (<c>ValidateOnStart</c>), with the messages the cache itself gives.
    /// </summary>
    /// <remarks>
    /// The cache logs through the container's <see cref="ILoggerFactory"/> (category
    /// <c>Quire.PageCache</c>), creates its meter "Quire" through the container's
    /// <see cref="IMeterFactory"/>, and reads time from the container's <see cref="TimeProvider"/>,
    /// each when registered. The container disposes the cache when it is disposed, which flushes
    /// every file; a flush failure then surfaces from the container's Dispose. Calling AddQuire
    /// again adds configuration, not a second cache.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddQuire(this IServiceCollection services, Action<QuireOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<QuireOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QuireOptions>, QuireOptionsValidator>());
        services.TryAddSingleton(static provider =>
        {
            QuireOptions options = provider.GetRequiredService<IOptions<QuireOptions>>().Value;
            return new PageCache(options.ToPageCacheOptions(
                provider.GetService<TimeProvider>() ?? TimeProvider.System,
                provider.GetService<ILoggerFactory>()?.CreateLogger<PageCache>(),
                provider.GetService<IMeterFactory>()));
        });
        return services;
    }
}
