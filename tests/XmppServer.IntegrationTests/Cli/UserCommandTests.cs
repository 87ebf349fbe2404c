using System.Text;
using XmppServer.Core.Accounts;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite;

namespace XmppServer.IntegrationTests.Cli;

public sealed class UserCommandTests : IAsyncLifetime
{
    private const string Usage = "usage:";
    private CliHost _host = null!;

    public Task InitializeAsync()
    {
        _host = CliHost.Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Add_WithPasswordOption_CreatesAccount()
    {
        var result = await _host.RunAsync(["add", "Juliet@LocalHost", "--password", "s3cret"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("created juliet@localhost", result.Output.Trim());
        Assert.Empty(result.Error);
        var credentials = await _host.CredentialsAsync("juliet@localhost");
        Assert.NotNull(credentials);
        Assert.True(PasswordHasher.Verify(credentials, "s3cret"));
    }

    [Fact]
    public async Task Add_PasswordOptionWithEquals_CreatesAccount()
    {
        var result = await _host.RunAsync(["add", "juliet@localhost", "--password=s3cret"]);

        Assert.Equal(0, result.ExitCode);
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("juliet@localhost"))!, "s3cret"));
    }

    [Fact]
    public async Task Add_NoPasswordOption_ReadsFirstLineOfRedirectedInput()
    {
        var result = await _host.RunAsync(["add", "juliet@localhost"], stdin: "from stdin\nsecond line\n");

        Assert.Equal(0, result.ExitCode);
        var credentials = await _host.CredentialsAsync("juliet@localhost");
        Assert.NotNull(credentials);
        Assert.True(PasswordHasher.Verify(credentials, "from stdin"));
        Assert.False(PasswordHasher.Verify(credentials, "second line"));
    }

    [Fact]
    public async Task Add_NoPasswordAndEmptyInput_FailsWithoutCreating()
    {
        var result = await _host.RunAsync(["add", "juliet@localhost"], stdin: string.Empty);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: no password given", result.Error);
        Assert.Null(await _host.CredentialsAsync("juliet@localhost"));
    }

    [Theory]
    [InlineData("--password", "")]
    [InlineData("--password=", null)]
    public async Task Add_EmptyPasswordOption_Fails(string option, string? value)
    {
        string[] args = value is null ? ["add", "juliet@localhost", option] : ["add", "juliet@localhost", option, value];

        var result = await _host.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: the password is empty", result.Error.Trim());
        Assert.Null(await _host.CredentialsAsync("juliet@localhost"));
    }

    [Fact]
    public async Task Add_EmptyFirstLineOfInput_Fails()
    {
        var result = await _host.RunAsync(["add", "juliet@localhost"], stdin: "\nlater\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: the password is empty", result.Error.Trim());
    }

    [Fact]
    public async Task Add_ControlCharacterInPassword_Fails()
    {
        var result = await _host.RunAsync(["add", "juliet@localhost", "--password", "bad\u0007bell"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: the password is empty or contains characters that are not allowed", result.Error);
        Assert.Null(await _host.CredentialsAsync("juliet@localhost"));
    }

    [Theory]
    [InlineData("@localhost")]
    [InlineData("juliet@local@host")]
    [InlineData("juliet@")]
    [InlineData("juliet@localhost/")]
    public async Task Add_MalformedJid_Fails(string jid)
    {
        var result = await _host.RunAsync(["add", jid, "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: '{jid}' is not a valid JID", result.Error.Trim());
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("juliet@localhost/balcony")]
    [InlineData("localhost")]
    public async Task Add_JidThatIsNoAccount_Fails(string jid)
    {
        var result = await _host.RunAsync(["add", jid, "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: '{jid}' is not a valid JID for an account", result.Error);
        Assert.Empty(await _host.Store.ListAsync("localhost", CancellationToken.None));
    }

    [Fact]
    public async Task Add_UnknownDomain_Fails()
    {
        var result = await _host.RunAsync(["add", "romeo@montague.example", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: domain 'montague.example' is not served by this server (Xmpp:Domains)", result.Error.Trim());
        Assert.Null(await _host.CredentialsAsync("romeo@montague.example"));
    }

    [Fact]
    public async Task Add_ConfiguredDomainInOtherCase_IsServed()
    {
        var result = await _host.RunAsync(["add", "romeo@EXAMPLE.org", "--password", "pw"]);

        Assert.Equal(0, result.ExitCode);
        Assert.NotNull(await _host.CredentialsAsync("romeo@example.org"));
    }

    [Fact]
    public async Task Add_ExistingUser_FailsAndKeepsPassword()
    {
        await _host.RunAsync(["add", "juliet@localhost", "--password", "first"]);

        var result = await _host.RunAsync(["add", "JULIET@localhost", "--password", "second"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: user 'juliet@localhost' already exists", result.Error.Trim());
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("juliet@localhost"))!, "first"));
    }

    [Fact]
    public async Task Passwd_ExistingUser_ReplacesPassword()
    {
        await _host.RunAsync(["add", "juliet@localhost", "--password", "old"]);

        var result = await _host.RunAsync(["passwd", "juliet@localhost", "--password", "new"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("password of juliet@localhost changed", result.Output.Trim());
        var credentials = await _host.CredentialsAsync("juliet@localhost");
        Assert.True(PasswordHasher.Verify(credentials!, "new"));
        Assert.False(PasswordHasher.Verify(credentials!, "old"));
    }

    [Fact]
    public async Task Passwd_NoPasswordOption_ReadsRedirectedInput()
    {
        await _host.RunAsync(["add", "juliet@localhost", "--password", "old"]);

        var result = await _host.RunAsync(["passwd", "juliet@localhost"], stdin: "piped new\n");

        Assert.Equal(0, result.ExitCode);
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("juliet@localhost"))!, "piped new"));
    }

    [Fact]
    public async Task Passwd_NoPasswordAnywhere_FailsAndKeepsPassword()
    {
        await _host.RunAsync(["add", "juliet@localhost", "--password", "old"]);

        var result = await _host.RunAsync(["passwd", "juliet@localhost"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: no password given", result.Error);
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("juliet@localhost"))!, "old"));
    }

    [Fact]
    public async Task Passwd_MissingUser_Fails()
    {
        var result = await _host.RunAsync(["passwd", "nobody@localhost", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: no such user 'nobody@localhost'", result.Error.Trim());
        Assert.Null(await _host.CredentialsAsync("nobody@localhost"));
    }

    [Fact]
    public async Task Passwd_MalformedJid_Fails()
    {
        var result = await _host.RunAsync(["passwd", "a@b@c", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 'a@b@c' is not a valid JID", result.Error.Trim());
    }

    [Fact]
    public async Task Passwd_FullJid_Fails()
    {
        var result = await _host.RunAsync(["passwd", "juliet@localhost/balcony", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: 'juliet@localhost/balcony' is not a valid JID for an account", result.Error);
    }

    [Fact]
    public async Task Delete_ExistingUser_RemovesItAndPublishesUserDeleted()
    {
        await _host.RunAsync(["add", "juliet@localhost", "--password", "pw"]);
        await _host.RunAsync(["add", "romeo@localhost", "--password", "pw"]);

        var result = await _host.RunAsync(["delete", "Juliet@localhost"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("deleted juliet@localhost", result.Output.Trim());
        Assert.Null(await _host.CredentialsAsync("juliet@localhost"));
        Assert.NotNull(await _host.CredentialsAsync("romeo@localhost"));
        Assert.Equal([Jid.Parse("juliet@localhost")], _host.Recorder.Deleted);
    }

    [Fact]
    public async Task Delete_MissingUser_FailsWithoutEvent()
    {
        var result = await _host.RunAsync(["delete", "nobody@localhost"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: no such user 'nobody@localhost'", result.Error.Trim());
        Assert.Empty(_host.Recorder.Deleted);
    }

    [Fact]
    public async Task Delete_MalformedJid_Fails()
    {
        var result = await _host.RunAsync(["delete", "@localhost"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: '@localhost' is not a valid JID", result.Error.Trim());
    }

    [Fact]
    public async Task Delete_DomainJid_Fails()
    {
        var result = await _host.RunAsync(["delete", "localhost"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: 'localhost' is not a valid JID for an account", result.Error);
        Assert.Empty(_host.Recorder.Deleted);
    }

    [Fact]
    public async Task List_SeveralUsers_PrintsSortedBareJidsOfThatDomainOnly()
    {
        foreach (var jid in new[] { "romeo@localhost", "benvolio@example.org", "juliet@localhost", "mercutio@localhost" })
        {
            await _host.RunAsync(["add", jid, "--password", "pw"]);
        }

        var result = await _host.RunAsync(["list", "LOCALHOST"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["juliet@localhost", "mercutio@localhost", "romeo@localhost"], result.OutputLines);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task List_NoUsers_PrintsNothing()
    {
        var result = await _host.RunAsync(["list", "localhost"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task List_UnknownDomain_Fails()
    {
        var result = await _host.RunAsync(["list", "montague.example"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: domain 'montague.example' is not served by this server (Xmpp:Domains)", result.Error.Trim());
    }

    [Fact]
    public async Task List_MalformedDomain_Fails()
    {
        var result = await _host.RunAsync(["list", "bad domain"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 'bad domain' is not a valid domain", result.Error.Trim());
    }

    [Fact]
    public async Task AddMany_SomeExist_CreatesTheRestAndReportsCountAndTime()
    {
        await _host.RunAsync(["add", "load2@localhost", "--password", "own"]);

        var result = await _host.RunAsync(["add-many", "localhost", "load", "5", "--password", "shared"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^created 4 of 5 accounts on localhost \(1 existed already\) in \d+\.\d\d s$", result.Output.Trim());
        var list = await _host.RunAsync(["list", "localhost"]);
        Assert.Equal(["load1@localhost", "load2@localhost", "load3@localhost", "load4@localhost", "load5@localhost"], list.OutputLines);
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("load5@localhost"))!, "shared"));
        Assert.True(PasswordHasher.Verify((await _host.CredentialsAsync("load2@localhost"))!, "own"));
    }

    [Fact]
    public async Task AddMany_ManyAccounts_CreatesAll()
    {
        var result = await _host.RunAsync(["add-many", "localhost", "bulk", "2000", "--password", "shared"]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("created 2000 of 2000 accounts", result.Output);
        Assert.Equal(2000, (await _host.Store.ListAsync("localhost", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AddMany_UnknownDomain_Fails()
    {
        var result = await _host.RunAsync(["add-many", "montague.example", "load", "5", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: domain 'montague.example' is not served by this server (Xmpp:Domains)", result.Error.Trim());
    }

    [Fact]
    public async Task AddMany_WithoutPassword_FailsEvenWithInput()
    {
        var result = await _host.RunAsync(["add-many", "localhost", "load", "5"], stdin: "pw\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: add-many needs --password P", result.Error.Trim());
        Assert.Empty(await _host.Store.ListAsync("localhost", CancellationToken.None));
    }

    [Fact]
    public async Task AddMany_EmptyPassword_Fails()
    {
        var result = await _host.RunAsync(["add-many", "localhost", "load", "5", "--password", ""]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: the password is empty", result.Error);
        Assert.Empty(await _host.Store.ListAsync("localhost", CancellationToken.None));
    }

    [Fact]
    public async Task AddMany_PrefixNotAllowedInLocalpart_Fails()
    {
        var result = await _host.RunAsync(["add-many", "localhost", "a:b", "5", "--password", "pw"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 'a:b' followed by a number is not a valid localpart", result.Error.Trim());
        Assert.Empty(await _host.Store.ListAsync("localhost", CancellationToken.None));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("1000001")]
    [InlineData("99999999999")]
    public async Task AddMany_BadCount_PrintsUsage(string count)
    {
        var result = await _host.RunAsync(["add-many", "localhost", "load", count, "--password", "pw"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: COUNT must be a whole number from 1 to 1000000", result.Error);
        Assert.Contains(Usage, result.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("add")]
    [InlineData("add juliet@localhost extra --password pw")]
    [InlineData("add juliet@localhost --password")]
    [InlineData("add juliet@localhost --password a --password b")]
    [InlineData("add juliet@localhost --pasword pw")]
    [InlineData("passwd")]
    [InlineData("delete")]
    [InlineData("delete juliet@localhost --password pw")]
    [InlineData("list")]
    [InlineData("list localhost example.org")]
    [InlineData("list localhost --password pw")]
    [InlineData("add-many localhost load --password pw")]
    public async Task BadUsage_PrintsUsageToErrorAndExits2(string commandLine)
    {
        var result = await _host.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Usage, result.Error);
        Assert.Empty(result.Output);
        Assert.False(File.Exists(Path.Combine(_host.DataDirectory, SqliteStorageServiceCollectionExtensions.DatabaseFileName)));
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_PrintsUsageToOutputAndExits0(string arg)
    {
        var result = await _host.RunAsync([arg]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(Usage, result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task AnyVerb_FreshDataDirectory_CreatesAndMigratesTheDatabase()
    {
        var result = await _host.RunAsync(["list", "localhost"]);

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(_host.DataDirectory, "xmppserver.db")));
    }

    [Fact]
    public async Task Database_AfterAddAndPasswd_NeverContainsThePasswords()
    {
        const string first = "Correct-Horse-Battery-Staple-1";
        const string second = "Tr0ub4dor&3-Second-Password";
        const string piped = "Piped-Password-Of-Romeo";
        await _host.RunAsync(["add", "juliet@localhost", "--password", first]);
        await _host.RunAsync(["passwd", "juliet@localhost", "--password", second]);
        await _host.RunAsync(["add", "romeo@localhost"], stdin: piped + "\n");
        await _host.RunAsync(["add-many", "localhost", "load", "3", "--password", first]);

        // The main file and the WAL (where the latest pages are until a checkpoint), in UTF-8 and UTF-16.
        var files = Directory.GetFiles(_host.DataDirectory);
        Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal));
        var sawAccountRow = false;
        foreach (var file in files)
        {
            // SQLite may remove a transient file (a rollback journal) between the listing and the read.
            byte[] bytes;
            try
            {
                bytes = await ReadSharedAsync(file);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            sawAccountRow |= bytes.AsSpan().IndexOf("juliet"u8) >= 0;
            foreach (var password in new[] { first, second, piped })
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(password)) < 0, $"{password} found in {Path.GetFileName(file)}");
                Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(password)) < 0, $"{password} found in {Path.GetFileName(file)}");
            }
        }

        // The search must be able to find text at all: the account rows themselves are in these files.
        Assert.True(sawAccountRow);
    }

    [Fact]
    public async Task CommandBesideRunningServer_SameDataDirectory_BothSeeEachOthersWrites()
    {
        // A second provider over the same directory plays the running server with its own SqliteDatabase.
        await using var server = CliHost.Create(_host.DataDirectory);
        await server.RunAsync(["list", "localhost"]);
        await server.Store.CreateAsync(Jid.Parse("romeo@localhost"), PasswordHasher.Create("pw", 4096), CancellationToken.None);

        var add = await _host.RunAsync(["add", "juliet@localhost", "--password", "pw"]);
        var list = await _host.RunAsync(["list", "localhost"]);

        Assert.Equal(0, add.ExitCode);
        Assert.Equal(["juliet@localhost", "romeo@localhost"], list.OutputLines);
        Assert.True(await server.Store.ExistsAsync(Jid.Parse("juliet@localhost"), CancellationToken.None));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }
}
