using System.Collections.Concurrent;
using XmppServer.Core.Events;
using XmppServer.Core.Modules;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Cli;

/// <summary>A module that only records the UserDeleted events it receives.</summary>
internal sealed class UserDeletedRecorder : IXmppModule
{
    private readonly ConcurrentQueue<Jid> _deleted = new();

    public IReadOnlyCollection<Jid> Deleted => _deleted;

    public void Configure(IModuleBuilder module)
        => module.On<UserDeleted>((deleted, _) =>
        {
            _deleted.Enqueue(deleted.User);
            return ValueTask.CompletedTask;
        });
}
