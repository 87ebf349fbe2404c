using System.Diagnostics;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite.Accounts;

namespace XmppServer.Storage.Sqlite.Tests;

public sealed class SqliteAccountStoreTests : IAsyncLifetime
{
    private static readonly Jid Juliet = Jid.Parse("juliet@capulet.example");
    private TempDatabase _temp = null!;
    private SqliteAccountStore _store = null!;

    public async Task InitializeAsync()
    {
        _temp = await TempDatabase.CreateAsync();
        _store = new SqliteAccountStore(_temp.Database);
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task CreateAsync_NewAccount_ReturnsTrueAndRoundTripsCredentials()
    {
        var credentials = Credentials(1);

        Assert.True(await _store.CreateAsync(Juliet, credentials, CancellationToken.None));

        var stored = await _store.GetCredentialsAsync(Juliet, CancellationToken.None);
        AssertSame(credentials, stored);
    }

    [Fact]
    public async Task CreateAsync_ExistingAccount_ReturnsFalseAndKeepsOriginal()
    {
        await _store.CreateAsync(Juliet, Credentials(1), CancellationToken.None);

        Assert.False(await _store.CreateAsync(Juliet, Credentials(2), CancellationToken.None));

        AssertSame(Credentials(1), await _store.GetCredentialsAsync(Juliet, CancellationToken.None));
    }

    [Fact]
    public async Task ExistsAsync_BeforeAndAfterCreate_ReflectsTheRow()
    {
        Assert.False(await _store.ExistsAsync(Juliet, CancellationToken.None));

        await _store.CreateAsync(Juliet, Credentials(1), CancellationToken.None);

        Assert.True(await _store.ExistsAsync(Juliet, CancellationToken.None));
        Assert.False(await _store.ExistsAsync(Jid.Parse("romeo@capulet.example"), CancellationToken.None));
        Assert.False(await _store.ExistsAsync(Jid.Parse("juliet@montague.example"), CancellationToken.None));
    }

    [Fact]
    public async Task GetCredentialsAsync_MissingAccount_ReturnsNull()
        => Assert.Null(await _store.GetCredentialsAsync(Juliet, CancellationToken.None));

    [Fact]
    public async Task Keys_DifferentCaseAndFullJid_AddressTheSameAccount()
    {
        await _store.CreateAsync(Jid.Parse("Juliet@Capulet.EXAMPLE"), Credentials(1), CancellationToken.None);

        Assert.True(await _store.ExistsAsync(Juliet, CancellationToken.None));
        Assert.True(await _store.ExistsAsync(Jid.Parse("juliet@capulet.example/balcony"), CancellationToken.None));
        Assert.Equal(["juliet"], await _store.ListAsync("capulet.example", CancellationToken.None));
    }

    [Fact]
    public async Task CreateAsync_DomainJid_Throws()
        => await Assert.ThrowsAsync<ArgumentException>(
            async () => await _store.CreateAsync(Jid.Parse("capulet.example"), Credentials(1), CancellationToken.None));

    [Fact]
    public async Task SetCredentialsAsync_ExistingAccount_ReplacesCredentials()
    {
        await _store.CreateAsync(Juliet, Credentials(1), CancellationToken.None);

        Assert.True(await _store.SetCredentialsAsync(Juliet, Credentials(2), CancellationToken.None));

        AssertSame(Credentials(2), await _store.GetCredentialsAsync(Juliet, CancellationToken.None));
    }

    [Fact]
    public async Task SetCredentialsAsync_MissingAccount_ReturnsFalseAndCreatesNothing()
    {
        Assert.False(await _store.SetCredentialsAsync(Juliet, Credentials(2), CancellationToken.None));

        Assert.False(await _store.ExistsAsync(Juliet, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_ExistingAccount_RemovesOnlyThatAccount()
    {
        var romeo = Jid.Parse("romeo@capulet.example");
        await _store.CreateAsync(Juliet, Credentials(1), CancellationToken.None);
        await _store.CreateAsync(romeo, Credentials(1), CancellationToken.None);

        Assert.True(await _store.DeleteAsync(Juliet, CancellationToken.None));

        Assert.False(await _store.ExistsAsync(Juliet, CancellationToken.None));
        Assert.Null(await _store.GetCredentialsAsync(Juliet, CancellationToken.None));
        Assert.True(await _store.ExistsAsync(romeo, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_MissingAccount_ReturnsFalse()
        => Assert.False(await _store.DeleteAsync(Juliet, CancellationToken.None));

    [Fact]
    public async Task ListAsync_SeveralDomains_ReturnsSortedLocalpartsOfOneDomain()
    {
        foreach (var jid in new[] { "nurse@capulet.example", "benvolio@montague.example", "juliet@capulet.example", "capulet@capulet.example" })
        {
            await _store.CreateAsync(Jid.Parse(jid), Credentials(1), CancellationToken.None);
        }

        Assert.Equal(["capulet", "juliet", "nurse"], await _store.ListAsync("capulet.example", CancellationToken.None));
        Assert.Equal(["benvolio"], await _store.ListAsync("montague.example", CancellationToken.None));
        Assert.Empty(await _store.ListAsync("verona.example", CancellationToken.None));
    }

    [Fact]
    public async Task CreateManyAsync_ManyAccounts_CreatesAllInOneCall()
    {
        const int count = 25_000;
        var credentials = Credentials(3);
        var accounts = Enumerable.Range(1, count)
            .Select(i => (Jid.Create("user" + i, "load.example"), credentials))
            .ToList();

        var stopwatch = Stopwatch.StartNew();
        var created = await _store.CreateManyAsync(accounts, CancellationToken.None);
        stopwatch.Stop();

        // No timing assertion (shared machines vary); the elapsed time is visible in the test output on failure only.
        Assert.True(created == count, $"created {created} of {count} in {stopwatch.Elapsed}");
        Assert.Equal(count, (await _store.ListAsync("load.example", CancellationToken.None)).Count);
        AssertSame(credentials, await _store.GetCredentialsAsync(Jid.Parse("user12345@load.example"), CancellationToken.None));
    }

    [Fact]
    public async Task CreateManyAsync_SomeExist_CountsOnlyNewAndKeepsExisting()
    {
        await _store.CreateAsync(Jid.Parse("u2@load.example"), Credentials(1), CancellationToken.None);
        var accounts = Enumerable.Range(1, 5).Select(i => (Jid.Create("u" + i, "load.example"), Credentials(2))).ToList();

        var created = await _store.CreateManyAsync(accounts, CancellationToken.None);

        Assert.Equal(4, created);
        Assert.Equal(["u1", "u2", "u3", "u4", "u5"], await _store.ListAsync("load.example", CancellationToken.None));
        AssertSame(Credentials(1), await _store.GetCredentialsAsync(Jid.Parse("u2@load.example"), CancellationToken.None));
    }

    [Fact]
    public async Task CreateManyAsync_DuplicateInBatch_CountsItOnce()
    {
        var jid = Jid.Parse("twin@load.example");

        var created = await _store.CreateManyAsync([(jid, Credentials(1)), (jid, Credentials(2))], CancellationToken.None);

        Assert.Equal(1, created);
        AssertSame(Credentials(1), await _store.GetCredentialsAsync(jid, CancellationToken.None));
    }

    [Fact]
    public async Task CreateManyAsync_EmptyBatch_ReturnsZero()
        => Assert.Equal(0, await _store.CreateManyAsync([], CancellationToken.None));

    [Fact]
    public async Task CreateManyAsync_InvalidJidInBatch_RollsBackTheWholeBatch()
    {
        var accounts = new List<(Jid, StoredCredentials)>
        {
            (Jid.Parse("first@load.example"), Credentials(1)),
            (Jid.Parse("load.example"), Credentials(1)),
        };

        await Assert.ThrowsAsync<ArgumentException>(async () => await _store.CreateManyAsync(accounts, CancellationToken.None));

        Assert.False(await _store.ExistsAsync(Jid.Parse("first@load.example"), CancellationToken.None));
    }

    [Fact]
    public async Task SecondDatabaseInstance_SameFile_SeesWritesOfTheFirst()
    {
        // Another SqliteDatabase on the same path stands for the CLI process beside the running server.
        var other = new SqliteAccountStore(new SqliteDatabase(_temp.Database.Path));
        await _store.CreateAsync(Juliet, Credentials(1), CancellationToken.None);

        Assert.True(await other.ExistsAsync(Juliet, CancellationToken.None));
        Assert.True(await other.DeleteAsync(Juliet, CancellationToken.None));
        Assert.False(await _store.ExistsAsync(Juliet, CancellationToken.None));
    }

    private static StoredCredentials Credentials(byte seed) => new(
        4096 + seed,
        Filled(16, seed),
        Filled(20, (byte)(seed + 10)),
        Filled(20, (byte)(seed + 20)),
        Filled(32, (byte)(seed + 30)),
        Filled(32, (byte)(seed + 40)));

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static void AssertSame(StoredCredentials expected, StoredCredentials? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.Salt, actual.Salt);
        Assert.Equal(expected.Sha1StoredKey, actual.Sha1StoredKey);
        Assert.Equal(expected.Sha1ServerKey, actual.Sha1ServerKey);
        Assert.Equal(expected.Sha256StoredKey, actual.Sha256StoredKey);
        Assert.Equal(expected.Sha256ServerKey, actual.Sha256ServerKey);
    }
}
