using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Data.Sqlite;
using XmppServer.Modules.Mam;
using XmppServer.Protocol;
using XmppServer.Storage.Sqlite;
using XmppServer.Storage.Sqlite.Mam;

namespace XmppServer.Benchmarks;

/// <summary>
/// Pages of 50 from one user's archive of 1,000,000 messages (another user's 100,000 interleaved, so the index has to
/// pick the user out): the last page (empty RSM &lt;before/&gt;), a page in the middle by RSM &lt;after/&gt;, the same
/// with the count and index left out (what the count costs), and the last page of one conversation ('with').
/// The archive is built once, in a temporary file, in one transaction, and removed at exit: the benchmarks run in
/// process so that they all share it (<c>--filter *MamQuery*</c>).
/// </summary>
// Not sealed: BenchmarkDotNet generates a class deriving from it.
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class MamQueryBenchmarks : IDisposable
{
    public const int Messages = 1_000_000;

    private static readonly Jid User = Jid.Parse("juliet@capulet.lit");
    private static readonly Lock ArchiveLock = new();
    private static Task<SqliteDatabase>? _archive;

    // The seq of the user's message i, which its archive id is made from.
    private static readonly long[] UserSeqs = new long[Messages];

    private SqliteArchiveStore _store = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Task<SqliteDatabase> archive;
        lock (ArchiveLock)
        {
            archive = _archive ??= BuildArchiveAsync();
        }

        _store = new SqliteArchiveStore(await archive);
    }

    [Benchmark]
    public async Task<int> LastPage()
        => (await _store.QueryAsync(User, new ArchiveQuery { Max = 50, PageBefore = string.Empty }, default))!.Messages.Count;

    [Benchmark]
    public async Task<int> MiddlePageByAfterId()
        => (await _store.QueryAsync(User, new ArchiveQuery { Max = 50, PageAfter = Id(Messages / 2) }, default))!.Messages.Count;

    [Benchmark]
    public async Task<int> MiddlePageByAfterIdWithoutCount()
        => (await _store.QueryAsync(User, new ArchiveQuery { Max = 50, PageAfter = Id(Messages / 2), IncludeCount = false }, default))!.Messages.Count;

    [Benchmark]
    public async Task<int> LastPageWithOneContact()
        => (await _store.QueryAsync(User, new ArchiveQuery { Max = 50, PageBefore = string.Empty, With = Jid.Parse("contact7@montague.lit") }, default))!.Messages.Count;

    [Benchmark]
    public async Task<int> MiddlePageWithOneContactByAfterId()
        => (await _store.QueryAsync(User, new ArchiveQuery { Max = 50, PageAfter = Id((Messages / 2) + 7), With = Jid.Parse("contact7@montague.lit") }, default))!.Messages.Count;

    public void Dispose()
    {
        _store.Dispose();
        GC.SuppressFinalize(this);
    }

    private string Id(int i) => _store.IdCodec.Encode(UserSeqs[i]);

    private static async Task<SqliteDatabase> BuildArchiveAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "xmppserver-mam-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        };

        var database = new SqliteDatabase(Path.Combine(directory, "xmppserver.db"));
        await database.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO archive_messages (seq, domain, username, id, with_bare, with_resource, stanza) VALUES ($seq, $domain, $username, '', $with, 'phone', $stanza);";
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var domain = insert.Parameters.Add("$domain", SqliteType.Text);
        var username = insert.Parameters.Add("$username", SqliteType.Text);
        var with = insert.Parameters.Add("$with", SqliteType.Text);
        var stanza = insert.Parameters.Add("$stanza", SqliteType.Text);
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        var other = 0;
        for (var i = 0; i < Messages; i++)
        {
            // One message in ten belongs to another user of the same domain.
            if (i % 10 == 0)
            {
                Add("romeo", "other" + other.ToString(CultureInfo.InvariantCulture), "contact1@montague.lit");
                other++;
            }

            var contact = "contact" + (i % 100).ToString(CultureInfo.InvariantCulture) + "@montague.lit";
            UserSeqs[i] = Add(User.Local!, "m" + i.ToString(CultureInfo.InvariantCulture), contact);

            long Add(string user, string messageId, string peer)
            {
                seq.Value = start += 1_000_000;
                domain.Value = User.Domain;
                username.Value = user;
                with.Value = peer;
                stanza.Value = $"<message xmlns='jabber:client' from='{peer}/phone' to='{User}' type='chat' id='{messageId}'><body>Message number {messageId}, of an ordinary length for a chat line.</body></message>";
                insert.ExecuteNonQuery();
                return start;
            }
        }

        await transaction.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "PRAGMA optimize;";
        await analyze.ExecuteNonQueryAsync();
        return database;
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
        }
    }
}
