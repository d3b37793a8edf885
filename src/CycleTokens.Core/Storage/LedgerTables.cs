namespace CycleTokens.Core.Storage;

/// <summary>
/// Every table of the ledger's schema (SQLite version 5, PostgreSQL version 3) with its columns, parents before the
/// tables whose foreign keys name them (transactions before postings): what a copy between stores moves, in that order.
/// </summary>
/// <remarks>
/// Written out rather than read from the database, so that a table or column a later migration adds cannot be left
/// behind unnoticed: <see cref="Differences"/> compares this list with a database's catalogue and a copy refuses to
/// start while anything differs, and a test compares it with a freshly migrated ledger on each backend.
/// </remarks>
internal static class LedgerTables
{
    /// <summary>The tables, in the order they are copied.</summary>
    public static IReadOnlyList<LedgerTable> All { get; } =
    [
        Table("accounts", ["id"], T("id"), T("kind"), I("balance"), I("allowance"), I("purchased"), T("tier"), I("month_key"), I("history_start"), I("created_ms")),
        Table(
            "transactions",
            ["seq"],
            I("seq"), T("id"), I("created_ms"), T("kind"), T("type"), T("account"), T("operation"), I("amount"), T("counterparty"),
            I("balance_after"), I("month_key"), T("metadata"), T("idempotency_key"), T("ref"), T("details"), B("hash")),
        Table("postings", ["tx_seq", "idx"], I("tx_seq"), I("idx"), T("account"), T("bucket"), I("amount")),
        Table("refunds", ["charge_id"], T("charge_id"), T("refund_id")),
        Table("discount_cache", ["account", "operation", "params_hash"], T("account"), T("operation"), T("params_hash"), I("last_ms")),
        Table(
            "escrows",
            ["id"],
            T("id"), T("account"), I("amount"), I("allowance_part"), I("purchased_part"), I("month_key"), I("hold_seq"), T("job_id"),
            T("fab_id"), T("status"), T("metadata"), I("created_ms"), I("expires_ms"), I("released_ms"), I("cancelled_ms")),
        Table(
            "purchases",
            ["id"],
            T("id"), T("account"), I("tokens"), I("amount_cents"), T("method"), T("status"), T("checkout_url"), T("currency"),
            I("created_ms"), I("completed_ms"), T("tx_id")),
        Table("idempotency", ["account", "key"], T("account"), T("key"), T("fingerprint"), T("outcome"), I("created_ms")),
        Table("usage_months", ["account", "month_key", "operation"], T("account"), I("month_key"), T("operation"), I("count"), I("tokens")),
        Table("pending_work", ["name"], T("name")),
        Table(
            "api_keys",
            ["id"],
            T("id"), B("secret_hash"), T("account"), T("role"), T("name"), I("created_ms"), I("expires_ms"), I("revoked_ms"),
            I("last_used_ms"), I("max_per_call"), I("max_per_day"), I("confirm_above")),
        Table("credential_spend", ["credential", "day"], T("credential"), I("day"), I("amount")),
        Table("budget_holds", ["hold_id"], T("hold_id"), T("credential"), I("day"), I("amount")),
        Table("low_balance", ["account"], T("account"), I("threshold"), I("alerted")),
        Table(
            "reservations",
            ["id"],
            T("id"), T("account"), T("operation"), T("params_hash"), I("quantity"), I("base_price"), I("unit_price"), I("cached"),
            I("batch_pct"), T("priced_by"), T("creator_id"), I("held"), I("allowance_part"), I("purchased_part"), I("month_key"),
            I("hold_seq"), T("status"), T("metadata"), I("created_ms"), I("expires_ms"), I("ended_ms"), I("settled_quantity"),
            I("charged"), I("released"), I("expired"), T("tx_id"), I("budget_hold")),
    ];

    /// <summary>
    /// What differs between <see cref="All"/> and a database's catalogue, one phrase each (a table or column this list
    /// lacks, one it has that the database lacks, a column of another kind); empty when they agree.
    /// </summary>
    public static List<string> Differences(IReadOnlyList<SchemaColumn> schema)
    {
        var found = new List<string>();
        var actual = schema.GroupBy(c => c.Table, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var table in actual.Keys.Where(t => All.All(known => known.Name != t)).Order(StringComparer.Ordinal))
        {
            found.Add($"table {table}, which this build does not know");
        }

        foreach (var table in All)
        {
            if (!actual.TryGetValue(table.Name, out var columns))
            {
                found.Add($"no table {table.Name}");
                continue;
            }

            foreach (var column in columns.Where(c => table.Columns.All(known => known.Name != c.Column)))
            {
                found.Add($"column {table.Name}.{column.Column}, which this build does not know");
            }

            foreach (var column in table.Columns)
            {
                var match = columns.Find(c => c.Column == column.Name);
                if (match is null)
                {
                    found.Add($"no column {table.Name}.{column.Name}");
                }
                else if (KindOf(match.Type) != column.Kind)
                {
                    found.Add($"column {table.Name}.{column.Name} of type {match.Type}, not {column.Kind.ToString().ToLowerInvariant()}");
                }
            }
        }

        return found;
    }

    /// <summary>The kind of a declared type on either backend, or null for a type no ledger column has.</summary>
    private static ColumnKind? KindOf(string type) => type switch
    {
        "integer" or "bigint" => ColumnKind.Integer,
        "text" => ColumnKind.Text,
        "blob" or "bytea" => ColumnKind.Blob,
        _ => null,
    };

    private static LedgerTable Table(string name, string[] key, params LedgerColumn[] columns) => new(name, key, columns);

    private static LedgerColumn I(string name) => new(name, ColumnKind.Integer);

    private static LedgerColumn T(string name) => new(name, ColumnKind.Text);

    private static LedgerColumn B(string name) => new(name, ColumnKind.Blob);
}
