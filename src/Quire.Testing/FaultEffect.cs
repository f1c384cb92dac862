namespace Quire.Testing;

/// <summary>What a fired <see cref="FaultRule"/> does to the call.</summary>
public enum FaultEffect
{
    /// <summary>The call throws an <see cref="IOException"/> whose HResult is the errno of <see cref="FaultRule.ErrorKind"/>; nothing reaches the wrapped store.</summary>
    Error,

    /// <summary>
    /// A write stores only its first bytes (<see cref="FaultRule.ShortWriteBytes"/>, or a seeded
    /// number) and then throws, as .NET's <c>RandomAccess.Write</c> does after a partial <c>pwrite</c>.
    /// On other calls it acts as <see cref="Error"/>.
    /// </summary>
    ShortWrite,

    /// <summary>The call waits <see cref="FaultRule.Delay"/> and then proceeds normally (a slow device).</summary>
    Delay,

    /// <summary>
    /// The call blocks until the rule is removed or the store heals (a hung device, as ZFS's fsync
    /// can be), then proceeds normally; after <see cref="FaultInjectingBackingStore.MaxHang"/> it
    /// throws instead, so a test that forgets to heal fails rather than hangs.
    /// </summary>
    Hang,
}
