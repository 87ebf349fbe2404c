using System.Diagnostics;
using System.Text;
using XmppServer.Core.Accounts;
using XmppServer.Core.Sasl;

namespace XmppServer.Core.Tests.Sasl;

/// <summary>
/// No user enumeration by timing: PLAIN for an unknown user runs the same key derivation, with the configured
/// iteration count, as a wrong password for a known user. The iteration count is raised so that the derivation
/// dominates and the comparison is not noise.
/// </summary>
public sealed class UnknownUserTimingTests
{
    private const int Iterations = 200_000;
    private static readonly AuthenticationOptions Options = new() { ScramIterations = Iterations };

    private static readonly Dictionary<string, StoredCredentials> Accounts = new()
    {
        ["juliet"] = PasswordHasher.Create("r0m30myr0m30", Iterations),
    };

    [Fact]
    public async Task Plain_UnknownUser_TakesAsLongAsWrongPassword()
    {
        // Warm up both paths (JIT, first PBKDF2).
        await AttemptAsync("juliet", "wrong");
        await AttemptAsync("nobody", "wrong");

        var wrongPassword = new List<double>();
        var unknownUser = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            wrongPassword.Add(await AttemptAsync("juliet", "wrong" + i));
            unknownUser.Add(await AttemptAsync("nobody" + i, "wrong"));
        }

        var wrong = Median(wrongPassword);
        var unknown = Median(unknownUser);

        // Without the stand-in derivation an unknown user would answer in microseconds against milliseconds.
        Assert.InRange(unknown / wrong, 0.5, 2.0);
    }

    private static async Task<double> AttemptAsync(string user, string password)
    {
        var mechanism = SaslMechanisms.Create(SaslMechanisms.Plain, SaslTestContext.Create(secure: true, Accounts), Options)!;
        var watch = Stopwatch.StartNew();
        var step = await mechanism.StepAsync(Encoding.UTF8.GetBytes($"\0{user}\0{password}"), default);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(SaslFailureCondition.NotAuthorized, Assert.IsType<SaslStep.Failure>(step).Condition);
        return elapsed;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
