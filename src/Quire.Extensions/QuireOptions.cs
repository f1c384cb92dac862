// QuireOptions: the settings of the PageCache that AddQuire registers, mutable so that
// configuration binding and `o => ...` delegates can set them (PageCacheOptions is init-only).
// Each property mirrors the PageCacheOptions property of the same name and starts at its
// default, read from a default PageCacheOptions so the defaults live in one place.
//
// Locking: none; the options pattern builds and validates an instance once, before it is shared.

namespace Quire.Extensions;

/// <summary>
/// The settings of the <see cref="PageCache"/> registered by
/// <see cref="Microsoft.Extensions.DependencyInjection.QuireServiceCollectionExtensions.AddQuire(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{QuireOptions})"/>.
/// Each property has the meaning and the default of the <see cref="PageCacheOptions"/> property
/// of the same name; the values are validated when the host starts.
/// </summary>
public sealed class QuireOptions
{
    private static readonly PageCacheOptions s_defaults = new();

    /// <inheritdoc cref="PageCacheOptions.MemoryLimitBytes"/>
    public long MemoryLimitBytes { get; set; } = s_defaults.MemoryLimitBytes;

    /// <inheritdoc cref="PageCacheOptions.PageSize"/>
    public int PageSize { get; set; } = s_defaults.PageSize;

    /// <inheritdoc cref="PageCacheOptions.MinFreeFrames"/>
    public int MinFreeFrames { get; set; } = s_defaults.MinFreeFrames;

    /// <inheritdoc cref="PageCacheOptions.MaxReadAheadBytes"/>
    public int MaxReadAheadBytes { get; set; } = s_defaults.MaxReadAheadBytes;

    /// <inheritdoc cref="PageCacheOptions.MaxClusterBytes"/>
    public int MaxClusterBytes { get; set; } = s_defaults.MaxClusterBytes;

    /// <inheritdoc cref="PageCacheOptions.MaxFrameWait"/>
    public TimeSpan MaxFrameWait { get; set; } = s_defaults.MaxFrameWait;

    /// <inheritdoc cref="PageCacheOptions.MaxPageWait"/>
    public TimeSpan MaxPageWait { get; set; } = s_defaults.MaxPageWait;

    /// <inheritdoc cref="PageCacheOptions.UseDirectIO"/>
    public bool UseDirectIO { get; set; } = s_defaults.UseDirectIO;

    /// <inheritdoc cref="PageCacheOptions.BackgroundDirtyRatio"/>
    public double BackgroundDirtyRatio { get; set; } = s_defaults.BackgroundDirtyRatio;

    /// <inheritdoc cref="PageCacheOptions.DirtyRatio"/>
    public double DirtyRatio { get; set; } = s_defaults.DirtyRatio;

    /// <inheritdoc cref="PageCacheOptions.BackgroundDirtyBytes"/>
    public long BackgroundDirtyBytes { get; set; } = s_defaults.BackgroundDirtyBytes;

    /// <inheritdoc cref="PageCacheOptions.DirtyBytes"/>
    public long DirtyBytes { get; set; } = s_defaults.DirtyBytes;

    /// <inheritdoc cref="PageCacheOptions.WritebackInterval"/>
    public TimeSpan WritebackInterval { get; set; } = s_defaults.WritebackInterval;

    /// <inheritdoc cref="PageCacheOptions.DirtyExpire"/>
    public TimeSpan DirtyExpire { get; set; } = s_defaults.DirtyExpire;

    /// <inheritdoc cref="PageCacheOptions.LaptopMode"/>
    public bool LaptopMode { get; set; } = s_defaults.LaptopMode;

    /// <inheritdoc cref="PageCacheOptions.MaxWritesInFlight"/>
    public int MaxWritesInFlight { get; set; } = s_defaults.MaxWritesInFlight;

    /// <inheritdoc cref="PageCacheOptions.MaxWritebackStall"/>
    public TimeSpan MaxWritebackStall { get; set; } = s_defaults.MaxWritebackStall;

    /// <inheritdoc cref="PageCacheOptions.StrictFileDirtyLimit"/>
    public bool StrictFileDirtyLimit { get; set; } = s_defaults.StrictFileDirtyLimit;

    /// <inheritdoc cref="PageCacheOptions.StartPageWriter"/>
    public bool StartPageWriter { get; set; } = s_defaults.StartPageWriter;

    /// <inheritdoc cref="PageCacheOptions.FlushOnLastClose"/>
    public bool FlushOnLastClose { get; set; } = s_defaults.FlushOnLastClose;

    /// <inheritdoc cref="PageCacheOptions.LockFiles"/>
    public bool LockFiles { get; set; } = s_defaults.LockFiles;

    /// <inheritdoc cref="PageCacheOptions.MaxIdleFiles"/>
    public int MaxIdleFiles { get; set; } = s_defaults.MaxIdleFiles;

    /// <inheritdoc cref="PageCacheOptions.ResidentSetPath"/>
    public string? ResidentSetPath { get; set; } = s_defaults.ResidentSetPath;

    /// <inheritdoc cref="PageCacheOptions.ResidentSetSaveInterval"/>
    public TimeSpan ResidentSetSaveInterval { get; set; } = s_defaults.ResidentSetSaveInterval;

    /// <inheritdoc cref="PageCacheOptions.PrewarmAtStart"/>
    public bool PrewarmAtStart { get; set; } = s_defaults.PrewarmAtStart;

    /// <inheritdoc cref="PageCacheOptions.MaxPrewarmReadsPerSecond"/>
    public int MaxPrewarmReadsPerSecond { get; set; } = s_defaults.MaxPrewarmReadsPerSecond;

    /// <summary>
    /// Builds the cache's options, with the services the container provides. Each value is
    /// checked as <see cref="PageCacheOptions"/> checks it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the property.</exception>
    /// <exception cref="ArgumentException"><see cref="ResidentSetPath"/> is empty or white space.</exception>
    internal PageCacheOptions ToPageCacheOptions(TimeProvider timeProvider, Microsoft.Extensions.Logging.ILogger? logger, System.Diagnostics.Metrics.IMeterFactory? meterFactory) => new()
    {
        MemoryLimitBytes = MemoryLimitBytes,
        PageSize = PageSize,
        MinFreeFrames = MinFreeFrames,
        MaxReadAheadBytes = MaxReadAheadBytes,
        MaxClusterBytes = MaxClusterBytes,
        MaxFrameWait = MaxFrameWait,
        MaxPageWait = MaxPageWait,
        UseDirectIO = UseDirectIO,
        BackgroundDirtyRatio = BackgroundDirtyRatio,
        DirtyRatio = DirtyRatio,
        BackgroundDirtyBytes = BackgroundDirtyBytes,
        DirtyBytes = DirtyBytes,
        WritebackInterval = WritebackInterval,
        DirtyExpire = DirtyExpire,
        LaptopMode = LaptopMode,
        MaxWritesInFlight = MaxWritesInFlight,
        MaxWritebackStall = MaxWritebackStall,
        StrictFileDirtyLimit = StrictFileDirtyLimit,
        StartPageWriter = StartPageWriter,
        FlushOnLastClose = FlushOnLastClose,
        LockFiles = LockFiles,
        MaxIdleFiles = MaxIdleFiles,
        ResidentSetPath = ResidentSetPath,
        ResidentSetSaveInterval = ResidentSetSaveInterval,
        PrewarmAtStart = PrewarmAtStart,
        MaxPrewarmReadsPerSecond = MaxPrewarmReadsPerSecond,
        TimeProvider = timeProvider,
        Logger = logger,
        MeterFactory = meterFactory,
    };
}
