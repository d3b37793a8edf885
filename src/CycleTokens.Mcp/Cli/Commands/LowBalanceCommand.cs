using System.CommandLine;
using System.Globalization;
using CycleTokens.Core.Keys;
using CycleTokens.Mcp.Json;
using static CycleTokens.Mcp.Cli.CliOptions;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>low-balance: show or set the balance below which a debit raises the <c>low-balance</c> event.</summary>
internal static class LowBalanceCommand
{
    private const string Default = "default";

    public static Command Create(CliApp app, Argument<string> account)
    {
        var threshold = new Option<Change<long?>>("--threshold")
        {
            Description = "Set the threshold in tokens, or 'default' for the tier's (10% of its monthly allowance). Without it, shows the threshold.",
            HelpName = "tokens|default",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
                if (text.Equals(Default, StringComparison.OrdinalIgnoreCase))
                {
                    return Change<long?>.To(null);
                }

                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    return Change<long?>.To(value);
                }

                r.AddError($"--threshold must be a whole number of tokens or default (got '{Wire.Shown(text)}')");
                return default;
            },
        };
        var command = new Command(
            "low-balance",
            "Show or set a user's low-balance threshold: a debit that takes the balance below it raises the low-balance event (once per crossing). Setting it re-arms the event. Fails (exit 1) for an account that does not exist.")
        {
            account, threshold,
        };
        command.SetAction(app, async (r, ledger, o, ct) =>
        {
            var user = r.GetRequiredValue(account);
            var change = r.GetValue(threshold);
            var setting = change.IsSet
                ? await ledger.SetLowBalanceThresholdAsync(user, change.Value, ct)
                : await ledger.GetLowBalanceAsync(user, ct);
            o.Record(ResultJson.LowBalance(setting));
            return LedgerCommand.Ok;
        });
        return command;
    }
}
