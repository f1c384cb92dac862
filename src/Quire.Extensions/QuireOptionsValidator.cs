// QuireOptionsValidator: checks QuireOptions with the library's own checks (each property's,
// then the combination's), so a host that misconfigures the cache fails at start with the
// message the cache itself would give, not at the first request that resolves it.
//
// Locking: stateless.

using Microsoft.Extensions.Options;

namespace Quire.Extensions;

internal sealed class QuireOptionsValidator : IValidateOptions<QuireOptions>
{
    public ValidateOptionsResult Validate(string? name, QuireOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.ToPageCacheOptions(TimeProvider.System, logger: null, meterFactory: null).Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e) // out of range, or a path that is empty or white space
        {
            return ValidateOptionsResult.Fail($"Quire options are invalid: {e.Message}");
        }
    }
}
