// LockOrderException: what LockOrder throws in Debug builds when a thread breaks the lock order
// (or releases a lock it does not hold); the message names the locks and what the thread held.
//
// Locking: none; immutable once built. Never thrown in Release builds, where LockOrder is empty.

namespace Quire.Internal;

internal sealed class LockOrderException(string message) : InvalidOperationException(message);
