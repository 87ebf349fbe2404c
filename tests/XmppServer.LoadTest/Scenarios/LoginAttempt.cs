using System.Net.Sockets;
using System.Security.Authentication;
using XmppServer.LoadTest.Client;

namespace XmppServer.LoadTest.Scenarios;

internal static class LoginAttempt
{
    /// <summary>Logs the client in within the login timeout. On failure counts "fail_KIND", closes the client
    /// and returns the kind; returns null on success.</summary>
    public static async Task<LoginFailure?> RunAsync(XmppLoadClient client, WorkerContext context, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.LoginTimeout);
        LoginFailure failure;
        string message;
        try
        {
            await client.LoginAsync(timeout.Token);
            return null;
        }
        catch (LoginException e)
        {
            (failure, message) = (e.Failure, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            (failure, message) = (LoginFailure.Timeout, $"not bound within {context.Options.LoginTimeout} s");
        }
        catch (OperationCanceledException)
        {
            // The run is over (hard timeout or interrupt).
            await client.CloseAsync();
            throw;
        }
        catch (AuthenticationException e)
        {
            (failure, message) = (LoginFailure.Tls, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            (failure, message) = (LoginFailure.Stream, e.Message);
        }

        var kind = failure.ToString().ToLowerInvariant();
        context.Counters.Increment("fail_" + kind);
        context.Diagnose("login failed (" + kind + ")", $"{client.User}: {message}");
        await client.CloseAsync();
        return failure;
    }
}
