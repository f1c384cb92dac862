// VerifyMessageHandler: builds a Verify message only when the check fails, so the always-on
// checks on the I/O and reclaim paths cost a branch, not a formatted string, when they hold.
//
// Locking: a stack-only value owned by the calling thread.

using System.Runtime.CompilerServices;

namespace Quire.Internal;

[InterpolatedStringHandler]
internal ref struct VerifyMessageHandler
{
    private DefaultInterpolatedStringHandler _builder;

    public VerifyMessageHandler(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        shouldAppend = !condition;
        _builder = shouldAppend ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _builder.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _builder.AppendFormatted(value);

    public string ToStringAndClear() => _builder.ToStringAndClear();
}
