using CycleTokens.Core.Escrows;
using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Escrows in the <c>escrows</c> table, through the engine's prepared commands.</summary>
internal sealed class SqlEscrowStore(ISqlSession db) : IEscrowStore
{
    private const string Columns =
        "id, account, amount, allowance_part, purchased_part, month_key, job_id, fab_id, status, metadata, created_ms, expires_ms, released_ms, cancelled_ms";

    private const string InsertSql = """
        INSERT INTO escrows (id, account, amount, allowance_part, purchased_part, month_key, hold_seq, job_id, fab_id, status, metadata, created_ms, expires_ms)
        VALUES ($id, $account, $amount, $allowance, $purchased, $month, $seq, $job, $fab, 'held', $metadata, $now, $expires)
        """;

    private const string LoadSql = "SELECT " + Columns + " FROM escrows WHERE id = $id";

    private const string ListSql = "SELECT " + Columns + """
         FROM escrows WHERE account = $account AND hold_seq > $start AND (CAST($status AS TEXT) IS NULL OR status = $status) ORDER BY created_ms, id
        """;

    private const string HoldSeqSql = "SELECT hold_seq FROM escrows WHERE id = $id";

    private const string DueIdsSql = """
        SELECT id FROM escrows WHERE account = $account AND status = 'held' AND expires_ms <= $now ORDER BY created_ms, id
        """;

    private const string HeldIdsSql = "SELECT id FROM escrows WHERE account = $account AND status = 'held' ORDER BY created_ms, id";

    private const string ReleaseSql = "UPDATE escrows SET status = 'released', released_ms = $now WHERE id = $id AND status = 'held'";

    private const string CancelSql = "UPDATE escrows SET status = 'cancelled', cancelled_ms = $now WHERE id = $id AND status = 'held'";

    private const string HeldTotalSql = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM escrows WHERE account = $account AND status = 'held'";

    public void Insert(NewEscrow escrow) =>
        db.Later(InsertSql)
            .With("$id", escrow.Id)
            .With("$account", escrow.Account)
            .With("$amount", escrow.Amount)
            .With("$allowance", escrow.AllowancePart)
            .With("$purchased", escrow.PurchasedPart)
            .With("$month", escrow.MonthKey)
            .With("$seq", escrow.HoldSeq)
            .With("$job", escrow.JobId)
            .With("$fab", escrow.FabId)
            .With("$metadata", escrow.Metadata)
            .With("$now", escrow.CreatedMs)
            .With("$expires", escrow.ExpiresMs)
            .DeferIn(db);

    public Escrow? Load(string id)
    {
        using var reader = db.Command(LoadSql).With("$id", id).ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public (Escrow Escrow, long AllowancePart, long PurchasedPart, int MonthKey) LoadParts(string id)
    {
        using var reader = db.Command(LoadSql).With("$id", id).ExecuteReader();
        reader.Read();
        return (Read(reader), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt32Of(5));
    }

    public long HoldSeq(string id) => (long)db.Command(HoldSeqSql).With("$id", id).ExecuteScalar()!;

    public List<Escrow> List(string account, long historyStart, EscrowStatus? status)
    {
        var list = new List<Escrow>();
        using var reader = db.Command(ListSql)
            .With("$account", account)
            .With("$start", historyStart)
            .With("$status", status?.ToString().ToLowerInvariant())
            .ExecuteReader();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public List<string> DueIds(string account, long nowMs) => Ids(db.Command(DueIdsSql).With("$account", account).With("$now", nowMs));

    public List<string> HeldIds(string account) => Ids(db.Command(HeldIdsSql).With("$account", account));

    public void Release(string id, long nowMs) => db.Later(ReleaseSql).With("$id", id).With("$now", nowMs).DeferIn(db);

    public void Cancel(string id, long nowMs) => db.Later(CancelSql).With("$id", id).With("$now", nowMs).DeferIn(db);

    public long HeldTotal(string account) => (long)db.Command(HeldTotalSql).With("$account", account).ExecuteScalar()!;

    private static List<string> Ids(DbCommand command)
    {
        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static Escrow Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt64(2),
        r.GetString(6),
        r.GetString(7),
        Enum.Parse<EscrowStatus>(r.GetString(8), ignoreCase: true),
        FromMs(r.GetInt64(10)),
        r.GetInt64OrNull(12) is { } released ? FromMs(released) : null,
        r.GetInt64OrNull(13) is { } cancelled ? FromMs(cancelled) : null,
        r.GetInt64OrNull(11) is { } expires ? FromMs(expires) : null,
        r.GetStringOrNull(9));

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
