using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Tools;

/// <summary>
/// What a 2026-07-28 confirmation round asked, carried by the client as the <c>requestState</c> of its retry: the call it
/// belongs to (a hash of tool, credential, account and arguments), the amount and description shown to the human, and
/// when. The server keeps nothing between the rounds, so the retry may reach any process serving the ledger.
/// </summary>
/// <remarks>
/// Not signed: the client that echoes it is the one that relays the human's answer, so a client able to alter the state
/// could as well answer "accept" itself. The hash only keeps a state from being reused for another call.
/// </remarks>
/// <param name="Call">The hash of the call the question was about.</param>
/// <param name="Amount">The tokens the human was asked about: the most the confirmed call may debit.</param>
/// <param name="Description">What the debit is, as the question said.</param>
/// <param name="AskedMs">When the question was asked (Unix milliseconds, server clock).</param>
internal sealed record ConfirmationState(string Call, long Amount, string Description, long AskedMs)
{
    private const string Prefix = "cycletokens-confirm-1.";

    public string Encode()
    {
        var json = new JsonObject { ["call"] = Call, ["amount"] = Amount, ["description"] = Description, ["asked_ms"] = AskedMs };
        return Prefix + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json, WireJson.Context.JsonObject));
    }

    /// <summary>The state, or null when <paramref name="text"/> is not one this server wrote.</summary>
    public static ConfirmationState? Decode(string? text)
    {
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(text.AsSpan(Prefix.Length)))?.AsObject();
            return json is null
                ? null
                : new ConfirmationState(
                    json["call"]!.GetValue<string>(), json["amount"]!.GetValue<long>(), json["description"]!.GetValue<string>(), json["asked_ms"]!.GetValue<long>());
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or NullReferenceException)
        {
            return null;
        }
    }

    /// <summary>The hash that ties a state to one call: same tool, credential, account and arguments.</summary>
    public static string HashOf(string tool, string credential, string account, IDictionary<string, JsonElement>? arguments)
    {
        var text = new StringBuilder().Append(tool).Append('\n').Append(credential).Append('\n').Append(account);
        foreach (var (name, value) in (arguments ?? new Dictionary<string, JsonElement>()).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append('=').Append(value.GetRawText());
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
