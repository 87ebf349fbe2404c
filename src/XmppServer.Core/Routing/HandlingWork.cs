namespace XmppServer.Core.Routing;

/// <summary>
/// Work that hooks started for one stanza from a client and that must be done before the stanza counts as handled
/// (XEP-0198 §4), without holding up the stanza's way to its recipient: the router waits for it after routing.
/// </summary>
internal sealed class HandlingWork
{
    private readonly Lock _gate = new();
    private Task? _first;
    private List<Task>? _more;

    public void Add(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.IsCompletedSuccessfully)
        {
            return;
        }

        lock (_gate)
        {
            if (_first is null)
            {
                _first = work;
            }
            else
            {
                (_more ??= []).Add(work);
            }
        }
    }

    /// <summary>
    /// Completes when every piece of work added so far has finished. Failures are the business of whoever started the
    /// work (and logged by it); here they only end the wait.
    /// </summary>
    public async ValueTask WhenDoneAsync()
    {
        Task? first;
        Task[]? more;
        lock (_gate)
        {
            first = _first;
            more = _more?.ToArray();
        }

        if (first is not null)
        {
            await first.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var work in more ?? [])
        {
            await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
