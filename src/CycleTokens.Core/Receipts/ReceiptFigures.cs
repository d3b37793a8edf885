using System.Globalization;
using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core.Receipts;

/// <summary>
/// What a receipt states about one journal row. Signing and checking a receipt against the ledger both compute it
/// here, from the row and its postings, so the two cannot disagree about what a figure means.
/// </summary>
internal static class ReceiptFigures
{
    /// <summary>The claims of <paramref name="row"/>, whose <see cref="TxRow.Hash"/> and <see cref="TxRow.Postings"/>
    /// must be set (as the journal returns it); the kid is left empty for the signer.</summary>
    internal static ReceiptClaims Of(string issuer, TxRow row)
    {
        var hash = row.Hash ?? throw new InvalidOperationException("A receipt needs the row's chain hash.");
        var postings = row.Postings ?? throw new InvalidOperationException("A receipt needs the row's postings.");
        long creatorShare = 0;
        long platformShare = 0;
        foreach (var posting in postings)
        {
            switch (AccountNames.KindOf(posting.Account))
            {
                case AccountKind.Creator: creatorShare = checked(creatorShare + posting.Amount); break;
                case AccountKind.Platform: platformShare = checked(platformShare + posting.Amount); break;
            }
        }

        return new ReceiptClaims(
            issuer,
            string.Empty,
            row.Id,
            row.Account,
            KindOf(row),
            row.Operation,
            QuantityOf(row),
            row.Amount,
            creatorShare,
            platformShare,
            row.BalanceAfter,
            DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Convert.ToHexStringLower(hash));
    }

    /// <summary>
    /// Each figure of <paramref name="receipt"/> that differs from <paramref name="ledger"/>, as one sentence naming
    /// the field and both values. The issuer and kid say who signed, not what happened, and are not compared.
    /// </summary>
    internal static List<string> Differences(ReceiptClaims receipt, ReceiptClaims ledger)
    {
        var found = new List<string>();
        Compare(found, "account", receipt.Account, ledger.Account);
        Compare(found, "kind", receipt.Kind, ledger.Kind);
        Compare(found, "operation", receipt.Operation, ledger.Operation);
        Compare(found, "quantity", receipt.Quantity, ledger.Quantity);
        Compare(found, "amount", receipt.Amount, ledger.Amount);
        Compare(found, "creator_share", receipt.CreatorShare, ledger.CreatorShare);
        Compare(found, "platform_share", receipt.PlatformShare, ledger.PlatformShare);
        Compare(found, "balance_after", receipt.BalanceAfter, ledger.BalanceAfter);
        Compare(found, "timestamp", receipt.Timestamp, ledger.Timestamp);
        Compare(found, "chain_hash", receipt.ChainHash, ledger.ChainHash);
        return found;
    }

    // One kind covers the three escrow steps; a receipt names the step, which is what the holder needs to know.
    private static string KindOf(TxRow row) => row.Kind == "escrow" ? row.Type : row.Kind;

    // Only a charge prices a quantity; the journal keeps it in the charge's details.
    private static long? QuantityOf(TxRow row)
    {
        if (row.Kind != "charge" || row.Details is null)
        {
            return null;
        }

        using var details = JsonDocument.Parse(row.Details);
        return details.RootElement.TryGetProperty("quantity", out var quantity) && quantity.TryGetInt64(out var value) ? value : null;
    }

    private static void Compare(List<string> found, string field, string? receipt, string? ledger)
    {
        if (!string.Equals(receipt, ledger, StringComparison.Ordinal))
        {
            found.Add($"{field}: the receipt says {Check.Shown(receipt)}, the ledger {Check.Shown(ledger)}");
        }
    }

    private static void Compare(List<string> found, string field, long? receipt, long? ledger)
    {
        if (receipt != ledger)
        {
            found.Add($"{field}: the receipt says {Number(receipt)}, the ledger {Number(ledger)}");
        }
    }

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "nothing";
}
