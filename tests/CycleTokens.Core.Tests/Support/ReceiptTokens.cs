using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using CycleTokens.Core.Receipts;

namespace CycleTokens.Core.Tests.Support;

/// <summary>Sample receipt claims and ways to take a compact JWS apart and put altered parts back.</summary>
internal static class ReceiptTokens
{
    public static ReceiptClaims Sample() => new(
        Iss: "cycletokens:test-ledger",
        Kid: "",
        TransactionId: "tx_01",
        Account: "alice",
        Kind: "charge",
        Operation: "image.generate",
        Quantity: 3,
        Amount: 1_500,
        CreatorShare: 1_050,
        PlatformShare: 450,
        BalanceAfter: 8_500,
        Timestamp: "2026-12-07T05:00:00.000Z",
        ChainHash: new string('a', 64));

    public static string[] Parts(string jws) => jws.Split('.');

    public static JsonObject Json(string part) => JsonNode.Parse(Base64Url.DecodeFromChars(part))!.AsObject();

    public static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    /// <summary>The token with its header replaced by <paramref name="change"/> applied to the original header.</summary>
    public static string WithHeader(string jws, Action<JsonObject> change)
    {
        var parts = Parts(jws);
        var header = Json(parts[0]);
        change(header);
        return $"{Encode(header)}.{parts[1]}.{parts[2]}";
    }

    /// <summary>The token with its payload replaced by <paramref name="change"/> applied to the original payload.</summary>
    public static string WithPayload(string jws, Action<JsonObject> change)
    {
        var parts = Parts(jws);
        var payload = Json(parts[1]);
        change(payload);
        return $"{parts[0]}.{Encode(payload)}.{parts[2]}";
    }
}
