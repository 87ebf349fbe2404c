using System.Globalization;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.Modules.Mam;

public sealed partial class MamModule
{
    /// <summary>XEP-0313 §4: a query; the matching messages are pushed one by one, then the IQ result ends it.</summary>
    private async ValueTask<IqResult> QueryAsync(IqContext context, CancellationToken cancellationToken)
    {
        // XEP-0313 §8.1: a user archive is its owner's alone; anyone else is forbidden.
        if (!context.IsSelf || context.Session is not { } session)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        var pageSize = Math.Min(_options.DefaultPageSize, _options.MaxPageSize);
        if (!MamQueryRequest.TryParse(context.Payload, pageSize, _options.MaxPageSize, out var request, out var error, out var text))
        {
            return IqResult.Fail(error, text: text);
        }

        var user = context.To;
        var page = await _store.QueryAsync(user, request.Query, cancellationToken);
        if (page is null)
        {
            // XEP-0313 §4.1.3, §4.3.2: an id the archive does not hold is item-not-found.
            return IqResult.Fail(StanzaErrorCondition.ItemNotFound, text: "No such id in the archive");
        }

        // XEP-0313 §4.2: results in chronological order, unless the client asked for the page flipped (§4.3.4), which
        // changes only the order of transmission. The session's queue keeps them ahead of the IQ result.
        var requester = context.From.ToString();
        var archive = user.ToString();
        for (var i = 0; i < page.Messages.Count; i++)
        {
            var message = page.Messages[request.FlipPage ? page.Messages.Count - 1 - i : i];
            session.Send(ResultMessage(message, request.QueryId, requester, archive));
        }

        Log.QueryAnswered(_logger, user, page.Messages.Count);
        return IqResult.With(Fin(page));
    }

    /// <summary>XEP-0313 §4.1.5: the fields a query form may use.</summary>
    private ValueTask<IqResult> GetFormAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (!context.IsSelf)
        {
            return ValueTask.FromResult(IqResult.Fail(StanzaErrorCondition.Forbidden));
        }

        var query = new XmppElement("query", MamNamespaces.Mam);
        var form = query.AddElement("x", Namespaces.DataForms);
        form.SetAttribute("type", "form");
        AddField(form, "FORM_TYPE", "hidden").AddTextElement("value", Namespaces.DataForms, MamNamespaces.Mam);

        // XEP-0313 §4.1.5: 'with', 'start' and 'end' are jid-single, text-single and text-single.
        AddField(form, "with", "jid-single");
        AddField(form, "start", "text-single");
        AddField(form, "end", "text-single");
        AddField(form, "before-id", "text-single");
        AddField(form, "after-id", "text-single");

        // XEP-0313 §4.1.5: 'ids' is list-multi without options, with an open XEP-0122 validation instead.
        var validate = AddField(form, "ids", "list-multi").AddElement("validate", MamNamespaces.DataValidate);
        validate.SetAttribute("datatype", "xs:string");
        validate.AddElement("open");
        return ValueTask.FromResult(IqResult.With(query));
    }

    /// <summary>XEP-0313 §5: the first and last message of the archive, or an empty element when there are none.</summary>
    private async ValueTask<IqResult> GetMetadataAsync(IqContext context, CancellationToken cancellationToken)
    {
        if (!context.IsSelf)
        {
            return IqResult.Fail(StanzaErrorCondition.Forbidden);
        }

        var metadata = new XmppElement("metadata", MamNamespaces.Mam);
        if (await _store.GetBoundsAsync(context.To, cancellationToken) is { } bounds)
        {
            metadata.AddElement("start").SetAttribute("id", bounds.FirstId).SetAttribute("timestamp", FormatStamp(bounds.FirstStamp));
            metadata.AddElement("end").SetAttribute("id", bounds.LastId).SetAttribute("timestamp", FormatStamp(bounds.LastStamp));
        }

        return IqResult.With(metadata);
    }

    private static XmppElement ResultMessage(ArchivedMessage message, string? queryId, string requester, string archive)
    {
        var wrapper = new XmppElement("message", Namespaces.Client) { Id = StanzaIds.NewId(), To = requester, From = archive };
        var result = wrapper.AddElement("result", MamNamespaces.Mam);

        // XEP-0313 §4.2: the queryid the client gave, and the message's archive id.
        if (queryId is not null)
        {
            result.SetAttribute("queryid", queryId);
        }

        result.SetAttribute("id", message.Id);

        // XEP-0297 §3 and XEP-0313 §4.2: the original message, forwarded, with a XEP-0203 delay giving when the
        // server archived it.
        var forwarded = result.AddElement("forwarded", MamNamespaces.Forward);
        forwarded.AddElement("delay", Namespaces.Delay).SetAttribute("stamp", FormatStamp(message.Stamp));
        forwarded.Add(message.Stanza);
        return wrapper;
    }

    private static XmppElement Fin(ArchivePage page)
    {
        var fin = new XmppElement("fin", MamNamespaces.Mam);

        // XEP-0313 §4.3.2: complete='true' when the page was not cut short by the page size.
        fin.SetAttribute("complete", page.Complete ? "true" : "false");

        // XEP-0059 §2.2: first and last id of the page (none for an empty page), the set's count and the first item's
        // index in it; always in chronological order, flipped or not, so they keep their meaning for paging.
        var set = fin.AddElement("set", MamNamespaces.Rsm);
        if (page.Messages.Count > 0)
        {
            var first = set.AddElement("first", MamNamespaces.Rsm).AddText(page.Messages[0].Id);
            if (page.FirstIndex is { } index)
            {
                first.SetAttribute("index", index.ToString(CultureInfo.InvariantCulture));
            }

            set.AddTextElement("last", MamNamespaces.Rsm, page.Messages[^1].Id);
        }

        if (page.Count is { } count)
        {
            set.AddTextElement("count", MamNamespaces.Rsm, count.ToString(CultureInfo.InvariantCulture));
        }

        return fin;
    }

    private static XmppElement AddField(XmppElement form, string name, string type)
    {
        var field = form.AddElement("field", Namespaces.DataForms);
        field.SetAttribute("var", name);
        field.SetAttribute("type", type);
        return field;
    }
}
