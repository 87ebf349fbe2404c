using XmppServer.Core.Accounts;
using XmppServer.Protocol;

namespace XmppServer.IntegrationTests.Cli;

public sealed class AccountManagerTests : IAsyncLifetime
{
    private CliHost _host = null!;

    public Task InitializeAsync()
    {
        _host = CliHost.Create();
        return _host.RunAsync(["list", "localhost"]);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("juliet@localhost/balcony")]
    [InlineData("localhost")]
    public async Task CreateAsync_NotAnAccountJid_ReturnsInvalidJid(string jid)
    {
        var result = await _host.Accounts.CreateAsync(Jid.Parse(jid), "pw", CancellationToken.None);

        Assert.Equal(AccountResult.InvalidJid, result);
    }

    [Fact]
    public async Task CreateAsync_UnservedDomain_ReturnsUnknownDomain()
        => Assert.Equal(AccountResult.UnknownDomain, await _host.Accounts.CreateAsync(Jid.Parse("romeo@montague.example"), "pw", CancellationToken.None));

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("line\nbreak")]
    public async Task CreateAsync_PasswordNotAllowed_ReturnsInvalidPassword(string password)
    {
        var result = await _host.Accounts.CreateAsync(Jid.Parse("juliet@localhost"), password, CancellationToken.None);

        Assert.Equal(AccountResult.InvalidPassword, result);
        Assert.False(await _host.Accounts.ExistsAsync(Jid.Parse("juliet@localhost"), CancellationToken.None));
    }

    [Fact]
    public async Task CreateAsync_Twice_ReturnsExists()
    {
        var juliet = Jid.Parse("juliet@localhost");
        Assert.Equal(AccountResult.Success, await _host.Accounts.CreateAsync(juliet, "pw", CancellationToken.None));

        Assert.Equal(AccountResult.Exists, await _host.Accounts.CreateAsync(juliet, "other", CancellationToken.None));
    }

    [Fact]
    public async Task SetPasswordAsync_MissingAccount_ReturnsNotFound()
        => Assert.Equal(AccountResult.NotFound, await _host.Accounts.SetPasswordAsync(Jid.Parse("nobody@localhost"), "pw", CancellationToken.None));

    [Fact]
    public async Task SetPasswordAsync_EmptyPassword_ReturnsInvalidPasswordAndKeepsOld()
    {
        var juliet = Jid.Parse("juliet@localhost");
        await _host.Accounts.CreateAsync(juliet, "old", CancellationToken.None);

        Assert.Equal(AccountResult.InvalidPassword, await _host.Accounts.SetPasswordAsync(juliet, string.Empty, CancellationToken.None));

        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("juliet@localhost"))!, "old"));
    }

    [Fact]
    public async Task DeleteAsync_ExistingAccount_PublishesUserDeletedWithTheBareJid()
    {
        var juliet = Jid.Parse("juliet@localhost");
        await _host.Accounts.CreateAsync(juliet, "pw", CancellationToken.None);

        Assert.Equal(AccountResult.Success, await _host.Accounts.DeleteAsync(juliet, CancellationToken.None));

        var deleted = Assert.Single(_host.Recorder.Deleted);
        Assert.Equal(juliet, deleted);
        Assert.True(deleted.IsBare);
    }

    [Fact]
    public async Task DeleteAsync_FullJid_ReturnsInvalidJidAndKeepsAccount()
    {
        await _host.Accounts.CreateAsync(Jid.Parse("juliet@localhost"), "pw", CancellationToken.None);

        Assert.Equal(AccountResult.InvalidJid, await _host.Accounts.DeleteAsync(Jid.Parse("juliet@localhost/balcony"), CancellationToken.None));

        Assert.True(await _host.Accounts.ExistsAsync(Jid.Parse("juliet@localhost"), CancellationToken.None));
        Assert.Empty(_host.Recorder.Deleted);
    }

    [Fact]
    public async Task CreateManyAsync_SharedPassword_DerivesOnceForAllAccounts()
    {
        var (result, created) = await _host.Accounts.CreateManyAsync("localhost", "Load", 3, "shared", CancellationToken.None);

        Assert.Equal(AccountResult.Success, result);
        Assert.Equal(3, created);
        var first = await _host.CredentialsAsync("load1@localhost");
        var third = await _host.CredentialsAsync("load3@localhost");
        Assert.NotNull(first);
        Assert.NotNull(third);
        Assert.Equal(first.Salt, third.Salt);
        Assert.Equal(first.Sha256StoredKey, third.Sha256StoredKey);
        Assert.True(PasswordHasher.Verify(third, "shared"));
    }

    [Fact]
    public async Task CreateManyAsync_RunTwice_SecondCreatesNone()
    {
        await _host.Accounts.CreateManyAsync("localhost", "load", 10, "pw", CancellationToken.None);

        var (result, created) = await _host.Accounts.CreateManyAsync("localhost", "load", 10, "pw", CancellationToken.None);

        Assert.Equal(AccountResult.Success, result);
        Assert.Equal(0, created);
        Assert.Equal(10, (await _host.Accounts.ListAsync("localhost", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task CreateManyAsync_UnservedDomain_ReturnsUnknownDomain()
    {
        var (result, created) = await _host.Accounts.CreateManyAsync("montague.example", "load", 3, "pw", CancellationToken.None);

        Assert.Equal(AccountResult.UnknownDomain, result);
        Assert.Equal(0, created);
    }

    [Fact]
    public async Task ListAsync_ReturnsBareJidsSortedByLocalpart()
    {
        foreach (var local in new[] { "zed", "amy", "Max" })
        {
            await _host.Accounts.CreateAsync(Jid.Create(local, "example.org"), "pw", CancellationToken.None);
        }

        var users = await _host.Accounts.ListAsync("EXAMPLE.org", CancellationToken.None);

        Assert.Equal(["amy@example.org", "max@example.org", "zed@example.org"], users.Select(u => u.ToString()));
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("example.org", true)]
    [InlineData("montague.example", false)]
    [InlineData("bad domain", false)]
    public void ServesDomain_ComparesPreparedNames(string domain, bool expected)
        => Assert.Equal(expected, _host.Accounts.ServesDomain(domain));
}
