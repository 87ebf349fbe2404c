using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

public sealed partial class MamModule
{
    /// <summary>XEP-0441: the user's archiving preferences, or the server's default when the user set none.</summary>
    private async ValueTask<IqResult> GetPreferencesAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (!context.IsSelf)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        var preferences = await GetPreferencesAsync(context.To.Bare, cancellationToken);
        return IqResult.With(PreferencesXml.Write(preferences));
    }

    /// <summary>XEP-0441: replaces the preferences; the result carries them as the server now applies them.</summary>
    private async ValueTask<IqResult> SetPreferencesAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (!context.IsSelf)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        if (!PreferencesXml.TryParse(context.Payload, out var preferences, out var text))
        {
            return IqResult.Fail(StanzaErrorCondition.BadRequest, text: text);
        }

        await _store.SetPreferencesAsync(context.To.Bare, preferences, cancellationToken);
        _preferences.Set(context.To.Bare, preferences);
        return IqResult.With(PreferencesXml.Write(preferences));
    }
}
