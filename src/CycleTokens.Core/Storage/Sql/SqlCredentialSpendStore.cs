namespace CycleTokens.Core.Storage.Sql;

/// <summary>Daily totals in <c>credential_spend</c> and counted holds in <c>budget_holds</c>, through the engine's prepared commands.</summary>
internal sealed class SqlCredentialSpendStore(ISqlSession db) : ICredentialSpendStore
{
    // One statement adds and returns the total: the write lock is already held, so no other writer sits in between.
    private const string AddSql = """
        INSERT INTO credential_spend (credential, day, amount) VALUES ($credential, $day, $amount)
        ON CONFLICT (credential, day) DO UPDATE SET amount = credential_spend.amount + excluded.amount
        RETURNING amount
        """;

    private const string TotalSql = "SELECT amount FROM credential_spend WHERE credential = $credential AND day = $day";

    private const string RememberSql = "INSERT INTO budget_holds (hold_id, credential, day, amount) VALUES ($id, $credential, $day, $amount)";

    private const string TakeHoldSql = "DELETE FROM budget_holds WHERE hold_id = $id RETURNING credential, day, amount";

    // CASE rather than MAX/GREATEST, which the two dialects spell differently.
    private const string GiveBackSql = """
        UPDATE credential_spend SET amount = CASE WHEN amount > $amount THEN amount - $amount ELSE 0 END
         WHERE credential = $credential AND day = $day
        """;

    private const string AnyBeforeSql = "SELECT EXISTS (SELECT 1 FROM credential_spend WHERE day < $day)";

    private const string DeleteBeforeSql = "DELETE FROM credential_spend WHERE day < $day";

    public long Add(string credential, long day, long amount) =>
        (long)db.Command(AddSql).With("$credential", credential).With("$day", day).With("$amount", amount).ExecuteScalar()!;

    public long Total(string credential, long day) =>
        db.Command(TotalSql).With("$credential", credential).With("$day", day).ExecuteScalar() as long? ?? 0;

    public void RememberHold(string holdId, string credential, long day, long amount) =>
        db.Later(RememberSql).With("$id", holdId).With("$credential", credential).With("$day", day).With("$amount", amount).DeferIn(db);

    public void SettleHold(string holdId, long returned)
    {
        string credential;
        long day;
        long counted;
        using (var reader = db.Command(TakeHoldSql).With("$id", holdId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return;
            }

            (credential, day, counted) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        var back = Math.Min(returned, counted);
        if (back > 0)
        {
            db.Later(GiveBackSql).With("$credential", credential).With("$day", day).With("$amount", back).DeferIn(db);
        }
    }

    public bool AnyBefore(long day)
    {
        using var reader = db.Command(AnyBeforeSql).With("$day", day).ExecuteReader();
        return reader.Read() && reader.GetFlag(0);
    }

    public int DeleteBefore(long day) => db.Command(DeleteBeforeSql).With("$day", day).ExecuteNonQuery();
}
