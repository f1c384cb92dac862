// NameSlots: the kill test's model of the crash child's names: per slot, the bytes its temporary
// and its final name hold (or none) after the changes the child reported, and the check of the
// directory after the kill against them, allowing the one change under way either way.

using Quire.CrashChild;

namespace Quire.Tests.Reliability;

internal sealed class NameSlots
{
    private readonly byte[]?[] _temporary = new byte[]?[CrashWorkload.NameSlotCount];
    private readonly byte[]?[] _final = new byte[]?[CrashWorkload.NameSlotCount];

    /// <summary>The changes of names applied: each was reported durable by the child.</summary>
    public int Changes { get; private set; }

    /// <summary>Applies a change of names the child reported.</summary>
    public void Apply(CrashOperation operation)
    {
        int slot = operation.FileIndex;
        switch (operation.Kind)
        {
            case CrashOperationKind.Create:
                _temporary[slot] = CrashWorkload.DataOf(operation);
                break;
            case CrashOperationKind.Rename:
                _final[slot] = _temporary[slot];
                _temporary[slot] = null;
                break;
            case CrashOperationKind.Delete:
                _final[slot] = null;
                break;
            default:
                throw new ArgumentException($"Operation {operation.Index} ({operation.Kind}) changes no name.", nameof(operation));
        }

        Changes++;
    }

    /// <summary>
    /// Null if every slot's names in <paramref name="directory"/> are as the reported changes left
    /// them, or as <paramref name="underWay"/> (the change the child may have been making when it
    /// was killed) leaves them: a rename or a delete done or not, a create's name absent or with any
    /// part of its bytes. Otherwise what differs.
    /// </summary>
    public string? FindCrashViolation(string directory, CrashOperation? underWay)
    {
        for (int slot = 0; slot < CrashWorkload.NameSlotCount; slot++)
        {
            byte[]? temporary = ReadIfExists(Path.Combine(directory, CrashWorkload.TemporaryName(slot)));
            byte[]? final = ReadIfExists(Path.Combine(directory, CrashWorkload.FinalName(slot)));
            bool asReported = Same(temporary, _temporary[slot]) && Same(final, _final[slot]);
            bool asUnderWay = underWay is { } change && change.FileIndex == slot && change.Kind switch
            {
                CrashOperationKind.Create => Same(final, _final[slot]),
                CrashOperationKind.Rename => temporary is null && Same(final, _temporary[slot]),
                CrashOperationKind.Delete => final is null && Same(temporary, _temporary[slot]),
                _ => false,
            };
            if (!asReported && !asUnderWay)
            {
                return $"slot {slot}: {Describe(CrashWorkload.TemporaryName(slot), temporary, _temporary[slot])}, {Describe(CrashWorkload.FinalName(slot), final, _final[slot])}"
                    + (underWay is { } u ? $"; operation {u.Index} ({u.Kind} in slot {u.FileIndex}) was under way" : "");
            }
        }

        return null;
    }

    private static byte[]? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;

    private static bool Same(byte[]? actual, byte[]? expected) =>
        actual is null ? expected is null : expected is not null && actual.AsSpan().SequenceEqual(expected);

    private static string Describe(string name, byte[]? actual, byte[]? expected) =>
        $"{name} {(actual is null ? "absent" : $"{actual.Length} bytes")} (reported: {(expected is null ? "absent" : $"{expected.Length} bytes")}{(actual is not null && expected is not null && !Same(actual, expected) ? ", other bytes" : "")})";
}
