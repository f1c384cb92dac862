namespace Quire.Frames;

/// <summary>The queue a frame is on, stored in the queue bits of its <see cref="PageState"/> word.</summary>
internal enum PageQueue
{
    /// <summary>On no queue: being allocated, filled or freed.</summary>
    None = 0,

    /// <summary>Holds no page and may be allocated.</summary>
    Free = 1,

    /// <summary>Resident and not recently used twice: reclaimed first.</summary>
    Inactive = 2,

    /// <summary>Resident and used again after it entered the cache: the hot set.</summary>
    Active = 3,
}
