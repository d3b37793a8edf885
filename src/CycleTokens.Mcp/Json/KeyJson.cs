using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;

namespace CycleTokens.Mcp.Json;

/// <summary>API keys as snake_case JSON: never a secret or a hash, except the secret <c>keys create</c> returns once.</summary>
internal static class KeyJson
{
    public static JsonObject Key(ApiKey k) => new()
    {
        ["key_id"] = k.Id,
        ["account"] = k.Account,
        ["role"] = k.Role.ToWireName(),
        ["name"] = k.Name,
        ["created_at"] = Wire.Time(k.CreatedAt),
        ["expires_at"] = Wire.Time(k.ExpiresAt),
        ["last_used_at"] = Wire.Time(k.LastUsedAt),
        ["revoked_at"] = Wire.Time(k.RevokedAt),
        ["max_per_call"] = k.Budget.MaxPerCall,
        ["max_per_day"] = k.Budget.MaxPerDay,
        ["confirm_above"] = k.Budget.ConfirmAbove,
    };

    /// <summary>A new key: its secret first, then the key.</summary>
    public static JsonObject Created(CreatedKey created)
    {
        var json = new JsonObject { ["secret"] = created.Secret };
        foreach (var (name, value) in Key(created.Key))
        {
            json[name] = value?.DeepClone();
        }

        return json;
    }

    /// <summary>The key after a revoke or update, and whether anything changed.</summary>
    public static JsonObject Change(KeyChangeResult result)
    {
        var json = Key(result.Key);
        json["changed"] = result.Changed;
        return json;
    }

    /// <summary>The budget as one table cell: <c>call 100, day 5000, confirm 50</c>, or <c>-</c> with no limits.</summary>
    public static string BudgetCell(KeyBudget b)
    {
        var parts = new List<string>(3);
        if (b.MaxPerCall is { } call)
        {
            parts.Add($"call {call}");
        }

        if (b.MaxPerDay is { } day)
        {
            parts.Add($"day {day}");
        }

        if (b.ConfirmAbove is { } confirm)
        {
            parts.Add($"confirm {confirm}");
        }

        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }
}
