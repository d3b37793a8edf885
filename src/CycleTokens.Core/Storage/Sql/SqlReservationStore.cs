using System.Data.Common;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Reservations;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Reservations in the <c>reservations</c> table, through the engine's prepared commands, on either backend.</summary>
internal sealed class SqlReservationStore(ISqlSession db) : IReservationStore
{
    // The columns every read of a stored reservation selects, in the order ReadStored reads them.
    private const string Columns = """
        id, account, operation, quantity, base_price, unit_price, cached, batch_pct, held, creator_id, priced_by, status,
        created_ms, expires_ms, ended_ms, settled_quantity, charged, released, expired, tx_id, metadata,
        params_hash, allowance_part, purchased_part, month_key, hold_seq, budget_hold
        """;

    private const string InsertSql = """
        INSERT INTO reservations (id, account, operation, params_hash, quantity, base_price, unit_price, cached, batch_pct, priced_by,
                                  creator_id, held, allowance_part, purchased_part, month_key, hold_seq, status, metadata, created_ms, expires_ms,
                                  budget_hold)
        VALUES ($id, $account, $operation, $hash, $quantity, $base, $unit, $cached, $batch, $priced_by,
                $creator, $held, $allowance, $purchased, $month, $seq, 'held', $metadata, $now, $expires, $budget_hold)
        """;

    private const string LoadSql = "SELECT " + Columns + " FROM reservations WHERE id = $id";

    /// <summary>The same columns of the alias <c>r</c>, for a statement that joins a reservation to other rows.</summary>
    internal static readonly string JoinedColumns = string.Join(", ", Columns.Split(',').Select(c => "r." + c.Trim()));

    // A user's reservations are found through their hold rows in the journal's (account, kind, seq) index: an index of
    // their own would be one more page for every reserve to write.
    private const string ListSql = "SELECT " + Columns + """
         FROM reservations
         WHERE id IN (SELECT ref FROM transactions
                       WHERE account = $account AND kind = 'reservation' AND type = 'reservation_hold' AND seq > $start)
           AND (CAST($status AS TEXT) IS NULL OR status = $status)
         ORDER BY hold_seq
        """;

    // The held index (partial: only what is held) serves every question about what is held or due. SQLite is told to
    // use it (PostgreSQL drops the hint): without statistics it could walk the user's whole list instead.
    private const string DueIdsSql = """
        SELECT id FROM reservations INDEXED BY ix_reservations_held
         WHERE account = $account AND status = 'held' AND expires_ms <= $now ORDER BY created_ms, id
        """;

    private const string HeldIdsSql = """
        SELECT id FROM reservations INDEXED BY ix_reservations_held WHERE account = $account AND status = 'held' ORDER BY created_ms, id
        """;

    private const string AnyDueSql = """
        SELECT EXISTS (SELECT 1 FROM reservations INDEXED BY ix_reservations_held WHERE status = 'held' AND expires_ms <= $now)
        """;

    // Oldest expiry first, so a backlog is worked off in the order it fell due.
    private const string DueAccountsSql = """
        SELECT account FROM reservations INDEXED BY ix_reservations_held
         WHERE status = 'held' AND expires_ms <= $now
         GROUP BY account ORDER BY MIN(expires_ms), account LIMIT $limit
        """;

    private const string EndSql = """
        UPDATE reservations SET status = $status, ended_ms = $now, settled_quantity = $quantity, charged = $charged,
                                released = $released, expired = $expired, tx_id = $tx
         WHERE id = $id AND status = 'held'
        """;

    private const string HeldTotalSql = """
        SELECT CAST(COALESCE(SUM(held), 0) AS BIGINT) FROM reservations INDEXED BY ix_reservations_held WHERE account = $account AND status = 'held'
        """;

    private const string HoldsSql = "SELECT id, status, held FROM reservations ORDER BY id";

    public void Insert(NewReservation reservation)
    {
        var quote = reservation.Quote;
        db.Later(InsertSql)
            .With("$id", reservation.Id)
            .With("$account", reservation.Account)
            .With("$operation", reservation.Operation)
            .With("$hash", reservation.ParamsHash)
            .With("$quantity", (long)quote.Quantity)
            .With("$base", quote.BasePrice)
            .With("$unit", quote.UnitPrice)
            .With("$cached", quote.Cached ? 1L : 0L)
            .With("$batch", (long)quote.BatchDiscountPct)
            .With("$priced_by", PricedByName(quote.PricedBy))
            .With("$creator", reservation.CreatorId)
            .With("$held", quote.TotalPrice)
            .With("$allowance", reservation.AllowancePart)
            .With("$purchased", reservation.PurchasedPart)
            .With("$month", (long)reservation.MonthKey)
            .With("$seq", reservation.HoldSeq)
            .With("$metadata", reservation.Metadata)
            .With("$now", reservation.CreatedMs)
            .With("$expires", reservation.ExpiresMs)
            .With("$budget_hold", reservation.BudgetHold ? 1L : 0L)
            .DeferIn(db);
    }

    public StoredReservation? Load(string id)
    {
        using var reader = db.Command(LoadSql).With("$id", id).ExecuteReader();
        return reader.Read() ? ReadStored(reader, 0) : null;
    }

    public List<Reservation> List(string account, long historyStart, ReservationStatus? status)
    {
        var list = new List<Reservation>();
        using var reader = db.Command(ListSql)
            .With("$account", account)
            .With("$start", historyStart)
            .With("$status", status is { } s ? StatusName(s) : null)
            .ExecuteReader();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public List<string> DueIds(string account, long nowMs) => Strings(db.Command(DueIdsSql).With("$account", account).With("$now", nowMs));

    public List<string> HeldIds(string account) => Strings(db.Command(HeldIdsSql).With("$account", account));

    public bool AnyDue(long nowMs)
    {
        using var reader = db.Command(AnyDueSql).With("$now", nowMs).ExecuteReader();
        return reader.Read() && reader.GetFlag(0);
    }

    public List<string> DueAccounts(long nowMs, int limit) => Strings(db.Command(DueAccountsSql).With("$now", nowMs).With("$limit", (long)limit));

    public void End(string id, ReservationEnd end) =>
        db.Later(EndSql)
            .With("$id", id)
            .With("$status", StatusName(end.Status))
            .With("$now", end.EndedMs)
            .With("$quantity", end.SettledQuantity is { } q ? (long)q : null)
            .With("$charged", end.Charged)
            .With("$released", end.Released)
            .With("$expired", end.Expired)
            .With("$tx", end.TransactionId)
            .DeferIn(db);

    public long HeldTotal(string account) => (long)db.Command(HeldTotalSql).With("$account", account).ExecuteScalar()!;

    public IEnumerable<(string Id, ReservationStatus Status, long Held)> Holds()
    {
        using var reader = db.Command(HoldsSql).ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetString(0), ParseStatus(reader.GetString(1)), reader.GetInt64(2));
        }
    }

    internal static string StatusName(ReservationStatus status) => status.ToString().ToLowerInvariant();

    private static ReservationStatus ParseStatus(string name) => Enum.Parse<ReservationStatus>(name, ignoreCase: true);

    private static string PricedByName(PricedBy pricedBy) => pricedBy == PricedBy.Default ? "default" : "catalogue";

    private static List<string> Strings(DbCommand command)
    {
        var list = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    /// <summary>A stored reservation from <see cref="Columns"/> (or <see cref="JoinedColumns"/>), the first at <paramref name="o"/>.</summary>
    internal static StoredReservation ReadStored(DbDataReader r, int o) =>
        new(Read(r, o), r.GetString(o + 21), r.GetInt64(o + 22), r.GetInt64(o + 23), r.GetInt32Of(o + 24), r.GetInt64(o + 25), r.GetInt64(o + 26) != 0);

    private static Reservation Read(DbDataReader r, int o = 0) => new(
        r.GetString(o),
        r.GetString(o + 1),
        r.GetString(o + 2),
        r.GetInt32Of(o + 3),
        r.GetInt64(o + 4),
        r.GetInt64(o + 5),
        r.GetInt64(o + 6) != 0,
        r.GetInt32Of(o + 7),
        r.GetInt64(o + 8),
        r.GetStringOrNull(o + 9),
        r.GetString(o + 10) == "default" ? PricedBy.Default : PricedBy.Catalogue,
        ParseStatus(r.GetString(o + 11)),
        FromMs(r.GetInt64(o + 12)),
        FromMs(r.GetInt64(o + 13)),
        r.GetInt64OrNull(o + 14) is { } ended ? FromMs(ended) : null,
        r.GetInt64OrNull(o + 15) is { } quantity ? checked((int)quantity) : null,
        r.GetInt64OrNull(o + 16),
        r.GetInt64OrNull(o + 17),
        r.GetInt64OrNull(o + 18),
        r.GetStringOrNull(o + 19),
        r.GetStringOrNull(o + 20));

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
