namespace CycleTokens.Core.Receipts;

/// <summary>What the ledger says about a receipt's figures (<see cref="TokenLedger.CheckReceiptAsync"/>).</summary>
/// <param name="Found">The transaction the receipt names exists in the journal.</param>
/// <param name="Problems">Each way the receipt and the journal disagree, one sentence naming the field and both values
/// (or that the stored row no longer hashes to its chain hash); empty when the receipt states what the journal holds.</param>
public sealed record ReceiptLedgerCheck(bool Found, IReadOnlyList<string> Problems)
{
    /// <summary>True when the transaction exists with exactly the receipt's figures.</summary>
    public bool Matches => Found && Problems.Count == 0;
}
