// Proves AddQuire registers one PageCache the way .NET hosts expect: configured by the delegate
// (and by later calls), validated at start with the cache's own messages, built with the
// container's TimeProvider, ILoggerFactory and IMeterFactory, and flushed and disposed with the
// container; and that QuireOptions mirrors every setting of PageCacheOptions, so a new option
// cannot be forgotten.

using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quire.Extensions;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Extensions;

public sealed class QuireServiceCollectionExtensionsTests
{
    [Fact]
    public void AddQuireRegistersOneSingletonCacheWithTheConfiguredOptions()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddQuire(o =>
            {
                o.MemoryLimitBytes = 1 << 20;
                o.PageSize = 8192;
                o.StartPageWriter = false;
            })
            .BuildServiceProvider();

        var cache = provider.GetRequiredService<PageCache>();

        Assert.Same(cache, provider.GetRequiredService<PageCache>());
        Assert.Equal(1 << 20, cache.Options.MemoryLimitBytes);
        Assert.Equal(8192, cache.PageSize);
        Assert.False(cache.Options.StartPageWriter);
        Assert.Same(TimeProvider.System, cache.Options.TimeProvider);
    }

    [Fact]
    public void CallingAddQuireAgainAddsConfigurationNotASecondCache()
    {
        var services = new ServiceCollection()
            .AddQuire(o => o.MemoryLimitBytes = 1 << 20)
            .AddQuire(o => o.MaxReadAheadBytes = 0);
        using ServiceProvider provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<PageCache>();

        Assert.Single(services, d => d.ServiceType == typeof(PageCache));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<QuireOptions>));
        Assert.Equal(1 << 20, cache.Options.MemoryLimitBytes);
        Assert.Equal(0, cache.Options.MaxReadAheadBytes);
    }

    [Fact]
    public void AValueOutOfRangeFailsAtStartNamingTheProperty()
    {
        using ServiceProvider provider = new ServiceCollection().AddQuire(o => o.PageSize = 5000).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("PageSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("5000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACombinationThatDoesNotFitFailsAtStart()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddQuire(o =>
            {
                o.BackgroundDirtyRatio = 0.5;
                o.DirtyRatio = 0.4;
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("BackgroundDirtyRatio", error.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<PageCache>());
    }

    [Fact]
    public void TheCacheUsesTheContainersTimeLoggingAndMetrics()
    {
        var logger = new RecordingLogger();
        var time = new ManualTimeProvider();
        using ServiceProvider provider = new ServiceCollection()
            .AddMetrics()
            .AddSingleton<ILoggerFactory>(new RecordingLoggerFactory(logger))
            .AddSingleton<TimeProvider>(time)
            .AddQuire(o =>
            {
                o.MemoryLimitBytes = 1 << 20;
                o.StartPageWriter = false;
            })
            .BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();

        var cache = provider.GetRequiredService<PageCache>();
        using var recorder = new MeasurementRecorder(cache.Meter);
        var store = new FaultyStore("logged.bin") { FailWritesWith = FaultyStore.EIO, FailWritesRemaining = 1 };
        using (CachedFile file = cache.Open(store))
        {
            file.Write(0, [1, 2, 3]);
            Assert.Throws<WritebackFailedException>(file.Flush);
        }

        Assert.Same(time, cache.Options.TimeProvider);
        Assert.Same(factory, cache.Options.MeterFactory);
        Assert.Same(factory, cache.Meter.Scope);
        Assert.Equal("Quire", cache.Meter.Name);
        Assert.Single(logger.Named("WriteFailed"));
        Assert.Equal(1, recorder.Latest("quire.writeback.errors", "quire.io.operation", "write"));
    }

    [Fact]
    public void DisposingTheContainerFlushesAndDisposesTheCache()
    {
        var store = new MemoryBackingStore();
        ServiceProvider provider = new ServiceCollection().AddQuire(o => o.MemoryLimitBytes = 1 << 20).BuildServiceProvider();
        var cache = provider.GetRequiredService<PageCache>();
        CachedFile file = cache.Open(store);
        file.Write(0, [4, 5, 6]);

        provider.Dispose();

        Assert.Equal([4, 5, 6], store.ToArray());
        Assert.Throws<ObjectDisposedException>(() => cache.GetStatistics());
    }

    [Fact]
    public void NullArgumentsAreRejected()
    {
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddQuire());
        Assert.Throws<ArgumentNullException>("configure", () => new ServiceCollection().AddQuire(null!));
    }

    [Fact]
    public void QuireOptionsMirrorsEverySettingOfPageCacheOptionsWithItsDefault()
    {
        // Services come from the container, not from QuireOptions.
        string[] fromContainer = [nameof(PageCacheOptions.TimeProvider), nameof(PageCacheOptions.Logger), nameof(PageCacheOptions.MeterFactory)];
        var defaults = new PageCacheOptions();
        var mirrored = new QuireOptions();
        PropertyInfo[] settings = [.. typeof(PageCacheOptions).GetProperties().Where(p => p.SetMethod is { IsPublic: true } && !fromContainer.Contains(p.Name))];

        Assert.NotEmpty(settings);
        foreach (PropertyInfo setting in settings)
        {
            PropertyInfo? mirror = typeof(QuireOptions).GetProperty(setting.Name);
            Assert.True(mirror is not null && mirror.PropertyType == setting.PropertyType, $"QuireOptions has no {setting.PropertyType.Name} {setting.Name}.");
            Assert.Equal(setting.GetValue(defaults), mirror.GetValue(mirrored));
        }

        Assert.Equal(settings.Length, typeof(QuireOptions).GetProperties().Length);
    }

    private sealed class RecordingLoggerFactory(RecordingLogger logger) : ILoggerFactory
    {
        public List<string> Categories { get; } = [];

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public ILogger CreateLogger(string categoryName)
        {
            Categories.Add(categoryName);
            return logger;
        }

        public void Dispose()
        {
        }
    }
}
