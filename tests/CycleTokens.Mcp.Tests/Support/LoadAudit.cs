using System.Text.Json;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// Compares what the successful calls of a load reported with what the ledger file holds, both ways: every
/// acknowledged charge, spend, grant, escrow move and purchase completion is in the journal with the amount and
/// balance the caller was told, nothing is in the journal that no successful call (or an escrow expiry) explains,
/// and the platform, creator, fab, escrow and issuing accounts hold exactly the sums of the acknowledged calls.
/// </summary>
internal static class LoadAudit
{
    public static List<string> Problems(
        IReadOnlyList<ToolCall> calls,
        IReadOnlyList<JournalRow> journal,
        IReadOnlyDictionary<string, StoredAccount> accounts,
        IReadOnlyDictionary<string, StoredEscrow> escrows,
        IReadOnlyDictionary<string, StoredPurchase> purchases)
    {
        var problems = new List<string>();
        var rows = journal.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var firsts = calls.Where(c => c is { Ok: true, Replayed: false }).ToList();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);

        void Add(string account, long amount) => expected[account] = expected.GetValueOrDefault(account) + amount;

        void Expect(ToolCall call, JournalRow? row, string kind, string type, long amount)
        {
            if (row is null)
            {
                problems.Add($"{call.Process}: acknowledged {call.Tool} {call.Result} is not in the journal");
            }
            else if ((row.Kind, row.Type, row.Account, row.Amount, row.BalanceAfter) != (kind, type, call.Account, amount, call.Long("balance_after")))
            {
                problems.Add($"{call.Process}: {call.Tool} {call.Result} differs from its journal row {row}");
            }
        }

        // Transactions named by id: each acknowledged once, each journal row acknowledged.
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in firsts.Where(c => c.Tool is "charge_for_operation" or "spend_tokens" or "grant_tokens"))
        {
            var tx = call.Str("transaction_id");
            if (!acknowledged.Add(tx))
            {
                problems.Add($"{tx} was acknowledged as new twice");
            }

            var row = rows.GetValueOrDefault(tx);
            switch (call.Tool)
            {
                case "charge_for_operation":
                    var charged = call.Long("charged");
                    Expect(call, row, "charge", "debit", charged);
                    if (call.Long("creator_share") + call.Long("platform_share") != charged)
                    {
                        problems.Add($"{tx}: creator and platform shares do not sum to {charged}");
                    }

                    Add("platform", call.Long("platform_share"));
                    if (call.Result!.Value.GetProperty("creator_id").GetString() is { } creator)
                    {
                        Add("creator:" + creator, call.Long("creator_share"));
                    }

                    break;
                case "spend_tokens":
                    Expect(call, row, "spend", "debit", call.Long("charged"));
                    Add("platform", call.Long("charged"));
                    break;
                default:
                    Expect(call, row, "grant", "credit", call.Long("amount"));
                    Add("system:grants", -call.Long("amount"));
                    break;
            }
        }

        problems.AddRange(journal
            .Where(r => r.Kind is "charge" or "spend" or "grant" && !acknowledged.Contains(r.Id))
            .Select(r => $"journal {r.Kind} {r.Id} of {r.Amount} for {r.Account} was never acknowledged"));
        problems.AddRange(calls
            .Where(c => c is { Ok: true, Replayed: true } && c.Tool is "charge_for_operation" or "spend_tokens" && !acknowledged.Contains(c.Str("transaction_id")))
            .Select(c => $"{c.Process}: replayed {c.Tool} names {c.Str("transaction_id")}, never acknowledged as new"));

        // Escrows: held by acknowledged creates; settled by acknowledged releases and cancels, or by expiry.
        var created = firsts.Where(c => c.Tool == "create_escrow").ToDictionary(c => c.Str("escrow_id"), StringComparer.Ordinal);
        var released = firsts.Where(c => c.Tool == "release_escrow").GroupBy(c => c.Str("escrow_id"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var cancelled = firsts.Where(c => c.Tool == "cancel_escrow").GroupBy(c => c.Str("escrow_id"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var moves = journal.Where(r => r.Kind == "escrow").ToLookup(r => (r.Ref ?? string.Empty, r.Type));
        foreach (var (id, call) in created)
        {
            Expect(call, moves[(id, "escrow_hold")].SingleOrDefault(), "escrow", "escrow_hold", call.Long("amount"));
        }

        foreach (var (id, list) in released.Concat(cancelled))
        {
            var type = list[0].Tool == "release_escrow" ? "escrow_release" : "escrow_cancel";
            if (list.Count > 1 || released.ContainsKey(id) && cancelled.ContainsKey(id))
            {
                problems.Add($"escrow {id} was released/cancelled successfully {released.GetValueOrDefault(id)?.Count ?? 0}/{cancelled.GetValueOrDefault(id)?.Count ?? 0} times");
            }

            Expect(list[0], moves[(id, type)].SingleOrDefault(), "escrow", type, list[0].Long("amount"));
        }

        foreach (var row in journal.Where(r => r.Kind == "escrow"))
        {
            var id = row.Ref ?? string.Empty;
            var reason = Reason(row);
            var explained = row.Type switch
            {
                "escrow_hold" => created.ContainsKey(id),
                "escrow_release" => released.ContainsKey(id),
                _ when reason == "cancelled" => cancelled.ContainsKey(id),
                _ when reason == "expired" => !released.ContainsKey(id) && !cancelled.ContainsKey(id)
                    && escrows.TryGetValue(id, out var e) && e.ExpiresMs is { } expires && expires <= row.CreatedMs,
                _ => false,
            };
            if (!explained)
            {
                problems.Add($"journal {row.Type} ({reason}) of escrow {id} is not explained by any acknowledged call or expiry");
            }
        }

        foreach (var (id, call) in created)
        {
            var settled = released.ContainsKey(id) ? "released" : escrows.GetValueOrDefault(id)?.Status;
            Add("escrow:" + id, settled == "held" ? call.Long("amount") : 0);
            if (released.ContainsKey(id))
            {
                Add("fab:" + call.Str("fab_id"), call.Long("amount"));
            }
        }

        // Purchases: credited once, by the completion that was not replayed, with the purchase's own tokens.
        var completions = firsts.Where(c => c.Tool == "complete_purchase").GroupBy(c => c.Str("purchase_id"), StringComparer.Ordinal).ToList();
        var credits = journal.Where(r => r.Kind == "purchase").ToLookup(r => r.Ref ?? string.Empty, StringComparer.Ordinal);
        foreach (var group in completions)
        {
            var call = group.First();
            if (group.Count() > 1)
            {
                problems.Add($"purchase {group.Key} was completed as new {group.Count()} times");
            }

            var tokens = purchases.GetValueOrDefault(group.Key)?.Tokens ?? -1;
            var owner = purchases.GetValueOrDefault(group.Key)?.Account ?? "(none)";
            Expect(call with { Account = owner }, credits[group.Key].SingleOrDefault(), "purchase", "credit", tokens);
            Add("system:payments", -tokens);
        }

        problems.AddRange(credits.Where(g => completions.All(c => c.Key != g.Key)).Select(g => $"purchase {g.Key} was credited without an acknowledged completion"));
        problems.AddRange(firsts.Where(c => c.Tool == "purchase_tokens" && !purchases.ContainsKey(c.Str("purchase_id"))).Select(c => $"purchase {c.Str("purchase_id")} was acknowledged but not stored"));

        foreach (var (account, amount) in expected)
        {
            var stored = accounts.GetValueOrDefault(account)?.Balance ?? 0;
            if (stored != amount)
            {
                problems.Add($"{account} holds {stored}, the acknowledged calls add up to {amount}");
            }
        }

        problems.AddRange(accounts.Values
            .Where(a => a.Kind is "platform" or "creator" or "fab" or "escrow" && !expected.ContainsKey(a.Id) && a.Balance != 0)
            .Select(a => $"{a.Id} holds {a.Balance} that no acknowledged call explains"));
        problems.AddRange(accounts.Values.Where(a => a.Kind is "user" or "creator" or "fab" or "platform" && a.Balance < 0).Select(a => $"{a.Id} is overdrawn: {a.Balance}"));
        return problems;
    }

    private static string? Reason(JournalRow row)
    {
        if (row.Details is null)
        {
            return null;
        }

        using var details = JsonDocument.Parse(row.Details);
        return details.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }
}
