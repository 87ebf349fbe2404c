namespace XmppServer.Core.Events;

/// <summary>Publishes typed events to the handlers modules registered with IModuleBuilder.On.</summary>
public interface IEventBus
{
    /// <summary>Runs every handler of <typeparamref name="TEvent"/> in registration order.</summary>
    ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken)
        where TEvent : class;
}
