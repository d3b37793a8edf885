using System.Text;
using CycleTokens.Core.History;
using CycleTokens.Core.Keys;
using System.Data.Common;

namespace CycleTokens.Core.Storage.Sql;

/// <summary>Reads of the <c>transactions</c> and <c>postings</c> tables, through the engine's prepared commands.</summary>
internal sealed class SqlHistoryStore(ISqlSession db) : IHistoryStore
{
    private const string TxColumns = "seq, id, created_ms, type, kind, operation, amount, counterparty, balance_after, metadata, ref";

    // Administrative rows (API key changes, type admin: see KeyJournal) move no tokens and are no part of an account's
    // token history; every read of it leaves them out, so history, exports and usage show and count what they did before.
    private const string NotAdmin = " AND type <> '" + KeyJournal.AdminType + "'";

    private const string AllSql = "SELECT " + TxColumns + " FROM transactions WHERE account = $account AND seq > $start" + NotAdmin + " ORDER BY seq";

    /// <summary>Usage by operation over a period, from the journal (tests read its query plan).</summary>
    internal const string UsageSql = """
        SELECT t.operation, COUNT(*), CAST(SUM(t.amount) AS BIGINT)
          FROM transactions t
         WHERE t.account = $account AND t.kind IN ('charge', 'spend') AND t.seq > $start
           AND t.created_ms >= $since AND t.created_ms < $until
           AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.charge_id = t.id)
         GROUP BY t.operation
         ORDER BY SUM(t.amount) DESC, t.operation
        """;

    // The newest row that can have moved the balance: walks (account, seq) backwards past any administrative rows.
    private const string PositionSql = "SELECT seq FROM transactions WHERE account = $account" + NotAdmin + " ORDER BY seq DESC LIMIT 1";

    private const string FindSql = "SELECT seq, kind, account, month_key, counterparty, created_ms, operation, amount FROM transactions WHERE id = $id";

    private const string PostingsSql = "SELECT account, bucket, amount FROM postings WHERE tx_seq = $seq ORDER BY idx";

    // One statement per combination of filters present (at most 64, each prepared once), each searching the index that
    // fits: (account, operation, seq) or (account, kind, seq) for those filters, else (account, seq). Without statistics
    // SQLite would take (account, seq) and filter, reading the user's whole history for a rare operation; INDEXED BY
    // names the right one.
    private static readonly string?[] HistorySqlByFilters = new string?[64];

    public List<(long Seq, TransactionRecord Record)> Page(string account, long historyStart, HistoryQuery query, long beforeSeq, int count)
    {
        var command = db.Command(HistorySql(query))
            .With("$account", account)
            .With("$start", historyStart)
            .With("$cursor", beforeSeq)
            .With("$limit", count);
        BindIfPresent(command, "$type", query.Type?.ToWireName());
        BindIfPresent(command, "$kind", query.Kind?.ToWireName());
        BindIfPresent(command, "$operation", query.Operation);
        BindIfPresent(command, "$after", query.After?.ToUnixTimeMilliseconds());
        BindIfPresent(command, "$before", query.Before?.ToUnixTimeMilliseconds());
        BindIfPresent(command, "$min", query.MinAmount);
        var rows = new List<(long, TransactionRecord)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), ReadTx(reader)));
        }

        return rows;
    }

    public List<TransactionRecord> All(string account, long historyStart)
    {
        var list = new List<TransactionRecord>();
        using var reader = db.Command(AllSql).With("$account", account).With("$start", historyStart).ExecuteReader();
        while (reader.Read())
        {
            list.Add(ReadTx(reader));
        }

        return list;
    }

    public List<(string Operation, long Count, long Tokens)> UsageByOperation(string account, long historyStart, long sinceMs, long untilMs)
    {
        var rows = new List<(string, long, long)>();
        using var reader = db.Command(UsageSql)
            .With("$account", account)
            .With("$start", historyStart)
            .With("$since", sinceMs)
            .With("$until", untilMs)
            .ExecuteReader();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    public long? LatestPosition(string account) => (long?)db.Command(PositionSql).With("$account", account).ExecuteScalar();

    public TxSummary? Find(string transactionId)
    {
        using var reader = db.Command(FindSql).With("$id", transactionId).ExecuteReader();
        return reader.Read()
            ? new TxSummary(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt32Of(3),
                reader.GetStringOrNull(4),
                reader.GetInt64(5),
                reader.GetStringOrNull(6),
                reader.GetInt64(7))
            : null;
    }

    public List<Posting> Postings(long seq)
    {
        var postings = new List<Posting>();
        using var reader = db.Command(PostingsSql).With("$seq", seq).ExecuteReader();
        while (reader.Read())
        {
            postings.Add(new Posting(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return postings;
    }

    /// <summary>The history statement for the filters this query sets (parameters of absent filters do not appear).</summary>
    internal static string HistorySql(HistoryQuery query)
    {
        var filters = (query.Type is null ? 0 : 1) | (query.Kind is null ? 0 : 2) | (query.Operation is null ? 0 : 4)
            | (query.After is null ? 0 : 8) | (query.Before is null ? 0 : 16) | (query.MinAmount is null ? 0 : 32);
        return HistorySqlByFilters[filters] ??= BuildHistorySql(filters);
    }

    private static string BuildHistorySql(int filters)
    {
        var index = (filters & 4) != 0 ? " INDEXED BY ix_tx_account_op_seq" : (filters & 2) != 0 ? " INDEXED BY ix_tx_account_kind_seq" : string.Empty;
        var sql = new StringBuilder("SELECT " + TxColumns + " FROM transactions" + index + " WHERE account = $account");
        sql.Append((filters & 2) != 0 ? " AND kind = $kind" : string.Empty)
            .Append((filters & 4) != 0 ? " AND operation = $operation" : string.Empty)
            .Append(" AND seq > $start AND seq < $cursor")
            .Append(NotAdmin)
            .Append((filters & 1) != 0 ? " AND type = $type" : string.Empty)
            .Append((filters & 8) != 0 ? " AND created_ms >= $after" : string.Empty)
            .Append((filters & 16) != 0 ? " AND created_ms < $before" : string.Empty)
            .Append((filters & 32) != 0 ? " AND amount >= $min" : string.Empty)
            .Append(" ORDER BY seq DESC LIMIT $limit");
        return sql.ToString();
    }

    private static void BindIfPresent(DbCommand command, string name, object? value)
    {
        if (value is not null)
        {
            command.With(name, value);
        }
    }

    private static TransactionRecord ReadTx(DbDataReader r) => new(
        r.GetString(1),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
        WireNames.ParseType(r.GetString(3)),
        WireNames.ParseKind(r.GetString(4)),
        r.GetStringOrNull(5),
        r.GetInt64(6),
        r.GetStringOrNull(7),
        r.GetInt64(8),
        r.GetStringOrNull(9),
        r.GetStringOrNull(10));
}
