using Microsoft.Extensions.Options;
using XmppServer.Protocol;

namespace XmppServer.Modules.Disco;

/// <summary>Rejects at start-up a disco item whose JID could never be valid.</summary>
public sealed class DiscoOptionsValidator : IValidateOptions<DiscoOptions>
{
    public ValidateOptionsResult Validate(string? name, DiscoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.Items.Count; i++)
        {
            var item = options.Items[i];
            if (!Jid.TryParse(DiscoItems.Expand(item.Jid, "example.org"), out _))
            {
                failures.Add($"{DiscoOptions.SectionName}:Items:{i}:Jid '{item.Jid}' is not a valid JID.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
