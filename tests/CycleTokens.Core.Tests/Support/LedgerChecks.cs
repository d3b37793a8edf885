namespace CycleTokens.Core.Tests.Support;

/// <summary>Row counts of every table a write can touch, to show that a rejected call wrote nothing.</summary>
internal readonly record struct TableCounts(
    long Transactions,
    long Postings,
    long Accounts,
    long Escrows,
    long Purchases,
    long DiscountCache,
    long Idempotency,
    long Refunds,
    long ApiKeys,
    long Reservations);

/// <summary>Reads of the ledger file behind the engine's back: balances, counts and the double-entry invariants.</summary>
internal static class LedgerChecks
{
    public static TableCounts Counts(string path) => new(
        RawDb.Scalar(path, "SELECT COUNT(*) FROM transactions"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM postings"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM accounts"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM escrows"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM purchases"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM discount_cache"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM idempotency"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM refunds"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM api_keys"),
        RawDb.Scalar(path, "SELECT COUNT(*) FROM reservations"));

    /// <summary>
    /// The stored balance of any account (0 when it does not exist); for a reservation's hold, which has no stored row,
    /// the sum of its postings (<see cref="AssertBalanced"/> checks that its reservation says the same).
    /// </summary>
    public static long Balance(string path, string account) =>
        account.StartsWith("hold:", StringComparison.Ordinal)
            ? RawDb.Scalar(path, "SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account = $id", ("$id", account))
            : RawDb.Scalar(path, "SELECT balance FROM accounts WHERE id = $id", ("$id", account));

    public static bool Exists(string path, string account) =>
        RawDb.Scalar(path, "SELECT COUNT(*) FROM accounts WHERE id = $id", ("$id", account)) == 1;

    /// <summary>Whether any transaction posted to the account.</summary>
    public static bool HasPostings(string path, string account) =>
        RawDb.Scalar(path, "SELECT COUNT(*) FROM postings WHERE account = $id", ("$id", account)) > 0;

    /// <summary>Transactions of one kind belonging to a user.</summary>
    public static long CountKind(string path, string account, string kind) =>
        RawDb.Scalar(path, "SELECT COUNT(*) FROM transactions WHERE account = $a AND kind = $k", ("$a", account), ("$k", kind));

    /// <summary>The signed posting amount of one transaction on one account's bucket.</summary>
    public static long Posted(string path, string transactionId, string account, string bucket) =>
        RawDb.Scalar(
            path,
            "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN transactions t ON t.seq = p.tx_seq WHERE t.id = $id AND p.account = $a AND p.bucket = $b",
            ("$id", transactionId),
            ("$a", account),
            ("$b", bucket));

    /// <summary>
    /// Each transaction's postings sum to zero, every stored balance (and user bucket) equals the sum of its
    /// postings, every posted account exists (a hold as its reservation, which holds what the hold's postings sum to),
    /// and no user, creator, fab, platform or escrow balance is negative.
    /// </summary>
    public static void AssertBalanced(string path)
    {
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM (SELECT tx_seq FROM postings GROUP BY tx_seq HAVING SUM(amount) <> 0) AS unbalanced"));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COALESCE(SUM(amount), 0) FROM postings"));
        Assert.Equal(0, RawDb.Scalar(path, """
            SELECT COUNT(*) FROM accounts a
             WHERE a.balance <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id)
            """));
        Assert.Equal(0, RawDb.Scalar(path, """
            SELECT COUNT(*) FROM accounts a
             WHERE a.kind = 'user'
               AND (a.allowance <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id AND p.bucket = 'allowance')
                 OR a.purchased <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = a.id AND p.bucket = 'purchased')
                 OR a.balance <> a.allowance + a.purchased)
            """));
        // A reservation's hold has no stored row: its reservation holds its balance, the tokens held while it is held.
        Assert.Equal(0, RawDb.Scalar(path, """
            SELECT COUNT(*) FROM postings
             WHERE account NOT IN (SELECT id FROM accounts) AND account NOT IN (SELECT 'hold:' || id FROM reservations)
            """));
        Assert.Equal(0, RawDb.Scalar(path, "SELECT COUNT(*) FROM accounts WHERE kind = 'hold'"));
        Assert.Equal(0, RawDb.Scalar(path, """
            SELECT COUNT(*) FROM reservations r
             WHERE CASE WHEN r.status = 'held' THEN r.held ELSE 0 END
                   <> (SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account = 'hold:' || r.id)
            """));
        Assert.Equal(0, RawDb.Scalar(path, """
            SELECT COUNT(*) FROM accounts
             WHERE kind IN ('user', 'creator', 'fab', 'platform', 'escrow') AND (balance < 0 OR allowance < 0 OR purchased < 0)
            """));
    }
}
