using System.Text.Json.Nodes;
using CycleTokens.Core.Receipts;

namespace CycleTokens.Mcp.Json;

/// <summary>Receipt checks as snake_case JSON: what <c>cycletokens receipts verify</c> reports.</summary>
internal static class ReceiptJson
{
    /// <summary>The wire name of a check's outcome, e.g. <c>bad_signature</c>.</summary>
    public static string Outcome(ReceiptCheck check) => check switch
    {
        ReceiptCheck.Valid => "valid",
        ReceiptCheck.UnknownKey => "unknown_key",
        ReceiptCheck.WrongAlgorithm => "wrong_algorithm",
        ReceiptCheck.BadSignature => "bad_signature",
        _ => "malformed",
    };

    /// <summary>Why a receipt that failed the check is not to be trusted, as one sentence.</summary>
    public static string Why(ReceiptCheck check) => check switch
    {
        ReceiptCheck.UnknownKey => "it names a signing key (kid) that is not among the keys it was checked against; if the ledger's key was rotated since, check against the current key file or JWK Set",
        ReceiptCheck.WrongAlgorithm => "its algorithm is not ES256, the only one receipts are signed with",
        ReceiptCheck.BadSignature => "its signature does not match its contents: it was altered, or not signed by this ledger",
        _ => "it is not a CycleTokens receipt (a compact JWS whose payload has exactly the receipt's fields)",
    };

    public static JsonObject Claims(ReceiptClaims c) => new()
    {
        ["iss"] = c.Iss,
        ["kid"] = c.Kid,
        ["transaction_id"] = c.TransactionId,
        ["account"] = c.Account,
        ["kind"] = c.Kind,
        ["operation"] = c.Operation,
        ["quantity"] = c.Quantity,
        ["amount"] = c.Amount,
        ["creator_share"] = c.CreatorShare,
        ["platform_share"] = c.PlatformShare,
        ["balance_after"] = c.BalanceAfter,
        ["timestamp"] = c.Timestamp,
        ["chain_hash"] = c.ChainHash,
    };

    /// <summary>The whole report: the signature's outcome, the claims when it is valid, and the ledger check when one was made.</summary>
    public static JsonObject Report(ReceiptVerification verification, ReceiptLedgerCheck? ledger) => new()
    {
        ["valid"] = verification.IsValid && (ledger?.Matches ?? true),
        ["signature"] = Outcome(verification.Outcome),
        ["claims"] = verification.Claims is { } claims ? Claims(claims) : null,
        ["ledger"] = ledger is null
            ? null
            : new JsonObject
            {
                ["found"] = ledger.Found,
                ["matches"] = ledger.Matches,
                ["problems"] = Wire.Array(ledger.Problems, p => JsonValue.Create(p)),
            },
    };
}
