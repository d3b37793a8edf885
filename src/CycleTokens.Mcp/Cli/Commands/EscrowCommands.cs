using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Escrows;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>escrows list|release|cancel.</summary>
internal static class EscrowCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        var account = Arg("account", "The user account that holds the escrow.");
        var escrowId = Arg("escrow-id", "The escrow id.");
        var status = Text("--status", "held, released or cancelled.");

        var list = new Command("list", "List a user's escrows, oldest first.") { account, status };
        list.SetAction(app, async (r, ledger, o, ct) =>
        {
            EscrowStatus? s = r.GetValue(status) is { } text
                ? text is "held" or "released" or "cancelled" ? Enum.Parse<EscrowStatus>(text, ignoreCase: true)
                    : throw new Core.LedgerException(Core.LedgerErrorCode.InvalidArgument, $"status must be one of held, released, cancelled (got '{Wire.Shown(text)}')", "status")
                : null;
            var escrows = await ledger.ListEscrowsAsync(r.GetRequiredValue(account), s, MissingUser.Refuse, ct);
            o.List(new JsonObject { ["escrows"] = Wire.Array(escrows, ResultJson.Escrow) }, "escrows", "escrow_id", "status", "amount", "job_id", "fab_id", "created_at", "expires_at");
            return LedgerCommand.Ok;
        });

        var release = new Command("release", "Release a held escrow: the fab is paid.") { account, escrowId, IdempotencyKey };
        release.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.EscrowResult(await ledger.ReleaseEscrowAsync(r.GetRequiredValue(account), r.GetRequiredValue(escrowId), r.GetValue(IdempotencyKey), ct)));
            return LedgerCommand.Ok;
        }, receipts: true);

        var cancel = new Command("cancel", "Cancel a held escrow: the tokens go back to the user.") { account, escrowId, IdempotencyKey };
        cancel.SetAction(app, async (r, ledger, o, ct) =>
        {
            o.Record(ResultJson.EscrowResult(await ledger.CancelEscrowAsync(r.GetRequiredValue(account), r.GetRequiredValue(escrowId), r.GetValue(IdempotencyKey), ct)));
            return LedgerCommand.Ok;
        }, receipts: true);

        return [new Command("escrows", "Manufacturing escrows of a user.") { list, release, cancel }];
    }
}
