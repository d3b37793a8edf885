namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on accounts' low-balance thresholds and on whether the alert was raised. Every call runs inside the
/// engine's open transaction and is synchronous for that reason; when to raise the event is the engine's rule.
/// </summary>
internal interface ILowBalanceStore
{
    /// <summary>
    /// After a debit from <paramref name="before"/> to <paramref name="after"/>: records whether the balance is below the
    /// account's threshold (its own, else <paramref name="tierDefault"/>) and returns that threshold when the alert is
    /// due — the balance is below it now and either was not below it before the debit or had not been alerted yet.
    /// Returns null otherwise. Writes only when the recorded state changes.
    /// </summary>
    long? RecordDebit(string account, long before, long after, long tierDefault);

    /// <summary>The account's own threshold, or null when it has none (the tier's default applies).</summary>
    long? Threshold(string account);

    /// <summary>Sets (or, with null, removes) the account's own threshold and re-arms the alert.</summary>
    void SetThreshold(string account, long? threshold);
}
