using System.Text.Json;
using CycleTokens.Core.Events;
using Microsoft.Extensions.Time.Testing;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A real ledger on a temporary SQLite file with a fake clock and sequential ids. Dispose deletes the file.
/// Other connections to the same file (as other processes would have) come from <see cref="OpenAnother"/>.
/// With <c>CYCLETOKENS_TEST_BACKEND=postgres</c> (see <see cref="TestBackend"/>) the same ledger lives in a fresh
/// database on the test PostgreSQL server instead, dropped on dispose, and <see cref="DatabasePath"/> is its URI.
/// </summary>
internal sealed class TestLedger : IDisposable
{
    /// <summary>Mid-month, so tests that cross a month boundary do so on purpose.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 15, 10, 0, 0, TimeSpan.Zero);

    private readonly List<TokenLedger> _others = [];
    private readonly TestPostgresDatabase? _postgres;

    /// <param name="options">Rules; the file is always one in a fresh folder.</param>
    /// <param name="start">The fake clock's start (default <see cref="Start"/>).</param>
    /// <param name="receipts">Sign receipts with a key file beside the ledger (<see cref="ReceiptKeysPath"/>), as the server does.</param>
    public TestLedger(LedgerOptions? options = null, DateTimeOffset? start = null, bool receipts = false)
    {
        Folder = Path.Combine(Path.GetTempPath(), "cycletokens-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        if (TestBackend.Postgres)
        {
            _postgres = TestPostgresDatabase.CreateAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        Options = (options ?? new LedgerOptions { DatabasePath = "unused" }) with { DatabasePath = _postgres?.Uri ?? Path.Combine(Folder, "ledger.db") };
        if (receipts)
        {
            Options = Options with { ReceiptKeysPath = ReceiptKeysPath };
        }

        Clock = new FakeTimeProvider(start ?? Start);
        Ledger = TokenLedger.Open(Options, Clock, new SequentialIdGenerator());
        Ledger.EventRaised += (_, e) => Events.Add(e);
    }

    public string Folder { get; }

    public LedgerOptions Options { get; }

    public FakeTimeProvider Clock { get; }

    public TokenLedger Ledger { get; }

    /// <summary>Events raised by <see cref="Ledger"/>, in order.</summary>
    public List<LedgerEvent> Events { get; } = [];

    public string DatabasePath => Options.DatabasePath;

    /// <summary>Where the receipt key file is (or would be) when the ledger signs receipts.</summary>
    public string ReceiptKeysPath => Path.Combine(Folder, "ledger.db.receipt-keys.json");

    /// <summary>Another connection to the same file with its own clock (defaults to this one's) and id space.</summary>
    public TokenLedger OpenAnother(TimeProvider? clock = null, string idTag = "b")
    {
        var other = TokenLedger.Open(Options, clock ?? Clock, new SequentialIdGenerator(idTag));
        _others.Add(other);
        return other;
    }

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public void Dispose()
    {
        Ledger.Dispose();
        foreach (var other in _others)
        {
            other.Dispose();
        }

        _postgres?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind does not affect other tests.
        }
    }
}
