using System.Text.Json;
using CycleTokens.Core;

namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// What the ledger holds, as comparable text: the verification report (transaction and account counts, chain), every
/// account with its balance, and the full export of the given users. Take one before and after a refused call: equal
/// snapshots mean nothing was written. Users must already exist (exporting a missing user would create it).
/// </summary>
internal sealed record LedgerSnapshot(string Verification, string Accounts, string Exports)
{
    public static async Task<LedgerSnapshot> TakeAsync(TokenLedger ledger, params string[] users)
    {
        var report = await ledger.VerifyAsync();
        Assert.True(report.Ok, "ledger does not verify: " + string.Join("; ", report.Problems));
        var accounts = await ledger.ListAccountsAsync(limit: 1000);
        var exports = new List<string>();
        foreach (var user in users)
        {
            exports.Add(JsonSerializer.Serialize(await ledger.ExportAccountAsync(user)));
        }

        return new LedgerSnapshot(JsonSerializer.Serialize(report), JsonSerializer.Serialize(accounts), string.Join("\n", exports));
    }
}
