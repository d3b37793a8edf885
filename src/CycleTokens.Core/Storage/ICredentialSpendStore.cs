namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on credentials' daily debit totals and on the holds counted in them. Every call runs inside the
/// engine's open write transaction and is synchronous for that reason; the limits stay in the engine.
/// </summary>
internal interface ICredentialSpendStore
{
    /// <summary>Adds <paramref name="amount"/> to the credential's total of <paramref name="day"/> and returns the new total.</summary>
    long Add(string credential, long day, long amount);

    /// <summary>The credential's total of <paramref name="day"/> (0 when it debited nothing).</summary>
    long Total(string credential, long day);

    /// <summary>Remembers that hold <paramref name="holdId"/> was counted on the credential's <paramref name="day"/>.</summary>
    void RememberHold(string holdId, string credential, long day, long amount);

    /// <summary>
    /// Forgets hold <paramref name="holdId"/> and takes <paramref name="returned"/> (at most what it counted) off the total
    /// of the day it was counted on; nothing when the hold was not counted (made without a credential).
    /// </summary>
    void SettleHold(string holdId, long returned);

    /// <summary>Whether any credential has a total of a day before <paramref name="day"/>.</summary>
    bool AnyBefore(long day);

    /// <summary>Deletes every total of a day before <paramref name="day"/>; returns how many.</summary>
    int DeleteBefore(long day);
}
