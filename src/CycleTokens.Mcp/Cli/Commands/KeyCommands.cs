using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;
using static CycleTokens.Mcp.Cli.Commands.KeyOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>keys create|list|revoke|update: API keys for the HTTP server (service.md §2).</summary>
internal static class KeyCommands
{
    public const string ShownOnce = "This secret will not be shown again: store it now. The ledger keeps only its SHA-256 hash.";

    private static readonly string[] ListColumns = ["key_id", "account", "role", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "budget"];

    public static IEnumerable<Command> Create(CliApp app)
    {
        var keyId = Arg("key-id", "The key id (key_…), as keys create or keys list shows it.");
        return [new Command("keys", "API keys: issue, list, revoke and update the credentials of the HTTP server.") { CreateCommand(app), ListCommand(app), RevokeCommand(app, keyId), UpdateCommand(app, keyId) }];
    }

    private static Command CreateCommand(CliApp app)
    {
        var account = Arg("account", "The user account the key acts for (for an operator key: its default account).");
        var role = Role();
        var name = Text("--name", "A label, 1-100 characters.");
        var expires = Days("--expires-in-days", "Days until the key expires, 1-3650 (default: never).");
        var maxPerCall = Limit("--max-per-call", "Budget: the largest single debit, in tokens.");
        var maxPerDay = Limit("--max-per-day", "Budget: the most debited per UTC day (charges, spends, escrow holds), in tokens.");
        var confirmAbove = Limit("--confirm-above", "Budget: debits above this ask the human first, in tokens.");
        var command = new Command(
            "create",
            "Issue an API key and print its secret (ctk_…) once: it is never shown again, the ledger stores only its hash. "
            + "Creates the user (tier FREE, with this month's allowance) if it does not exist. An agent key is bound to the "
            + "account; an operator key names accounts itself and uses this one when a call names none.")
        {
            account, role, name, expires, maxPerCall, maxPerDay, confirmAbove,
        };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var created = await ledger.CreateKeyAsync(
                r.GetRequiredValue(account),
                KeyRoles.Parse(r.GetValue(role) ?? "agent"),
                r.GetValue(name),
                r.GetValue(expires),
                new KeyBudget(r.GetValue(maxPerCall), r.GetValue(maxPerDay), r.GetValue(confirmAbove)),
                ct);
            o.Record(KeyJson.Created(created));

            // With --json stdout is one document; the warning goes where a person running the script still sees it.
            await (o.Json ? o.Error : o.Out).WriteLineAsync(ShownOnce);
            return LedgerCommand.Ok;
        });
        return command;
    }

    private static Command ListCommand(CliApp app)
    {
        var account = new Argument<string?>("account") { Description = "Only this user account's keys (default: every account's).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", "List API keys, oldest first: id, account, role, name, times and budget. Never shows secrets. Fails (exit 1) for an account that does not exist.") { account };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var keys = await ledger.ListKeysAsync(r.GetValue(account), ct);
            if (o.Json)
            {
                o.WriteJson(new JsonObject { ["keys"] = Wire.Array(keys, KeyJson.Key) });
                return LedgerCommand.Ok;
            }

            o.List(new JsonObject { ["keys"] = Wire.Array(keys, TableRow) }, "keys", ListColumns);
            return LedgerCommand.Ok;
        });
        return command;
    }

    private static Command RevokeCommand(CliApp app, Argument<string> keyId)
    {
        var command = new Command("revoke", "Revoke an API key: refused from the next request on, by every server sharing the ledger. Final. Revoking a revoked key changes nothing and is not an error.") { keyId };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var result = await ledger.RevokeKeyAsync(r.GetRequiredValue(keyId), ct);
            o.Record(KeyJson.Change(result));
            if (!result.Changed && !o.Json)
            {
                o.Out.WriteLine("(already revoked: nothing changed)");
            }

            return LedgerCommand.Ok;
        });
        return command;
    }

    private static Command UpdateCommand(CliApp app, Argument<string> keyId)
    {
        var name = Text("--name", "A new label, 1-100 characters; \"\" removes it.");
        var expires = DaysChange("--expires-in-days", "Expire this many days from now (1-3650), or none for never. Revives an expired key.");
        var maxPerCall = LimitChange("--max-per-call", "Budget: the largest single debit in tokens, or none.");
        var maxPerDay = LimitChange("--max-per-day", "Budget: the most debited per UTC day in tokens, or none.");
        var confirmAbove = LimitChange("--confirm-above", "Budget: ask the human above this many tokens, or none.");
        var command = new Command("update", "Change an API key's name, expiry or budget; options not given stay as they are. A revoked key cannot be changed.")
        {
            keyId, name, expires, maxPerCall, maxPerDay, confirmAbove,
        };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var changes = new KeyChanges
            {
                Name = r.GetResult(name) is null ? default : Change<string?>.To(r.GetValue(name) is { Length: > 0 } text ? text : null),
                ExpiresInDays = r.GetValue(expires),
                MaxPerCall = r.GetValue(maxPerCall),
                MaxPerDay = r.GetValue(maxPerDay),
                ConfirmAbove = r.GetValue(confirmAbove),
            };
            if (!(changes.Name.IsSet || changes.ExpiresInDays.IsSet || changes.MaxPerCall.IsSet || changes.MaxPerDay.IsSet || changes.ConfirmAbove.IsSet))
            {
                throw new Core.LedgerException(Core.LedgerErrorCode.InvalidArgument, "keys update needs at least one of --name, --expires-in-days, --max-per-call, --max-per-day, --confirm-above", "changes");
            }

            var result = await ledger.UpdateKeyAsync(r.GetRequiredValue(keyId), changes, ct);
            o.Record(KeyJson.Change(result));
            if (!result.Changed && !o.Json)
            {
                o.Out.WriteLine("(no change: the key already had these values)");
            }

            return LedgerCommand.Ok;
        });
        return command;
    }

    private static JsonObject TableRow(ApiKey key)
    {
        var row = KeyJson.Key(key);
        row["budget"] = KeyJson.BudgetCell(key.Budget);
        return row;
    }
}
