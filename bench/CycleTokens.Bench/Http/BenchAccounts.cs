using System.Globalization;
using CycleTokens.Core;

namespace CycleTokens.Bench.Http;

/// <summary>
/// The accounts of the http mode: <c>agent-00</c>, <c>agent-01</c> … each granted 10^12 tokens and given one agent
/// key, written through the engine (what <c>cycletokens grant</c> and <c>keys create</c> call) before any server opens
/// the file. Worker or session <c>w</c> uses account <c>w</c>.
/// </summary>
internal static class BenchAccounts
{
    public static string Name(int index) => "agent-" + index.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>Creates the ledger with <paramref name="count"/> granted accounts; returns their keys' secrets, when asked for.</summary>
    public static async Task<IReadOnlyList<string>> PrepareAsync(string path, int count, bool keys, CancellationToken cancellationToken)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = path });
        var secrets = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            await ledger.GrantAsync(Name(i), 1_000_000_000_000, cancellationToken: cancellationToken);
            if (keys)
            {
                secrets.Add((await ledger.CreateKeyAsync(Name(i), name: "bench", cancellationToken: cancellationToken)).Secret);
            }
        }

        return secrets;
    }
}
