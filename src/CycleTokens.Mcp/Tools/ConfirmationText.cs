using CycleTokens.Core.Budgets;
using CycleTokens.Core.Pricing;

namespace CycleTokens.Mcp.Tools;

/// <summary>The words of a confirmation: the question the human sees and the refusals the model gets.</summary>
internal static class ConfirmationText
{
    /// <summary>The one message of the elicitation: what, how much in tokens and euros, the balance after, for whom.</summary>
    public static string Question(PendingDebit debit, string account) =>
        $"Allow this {debit.Description} on account {account}: {debit.Amount} tokens (€{Money.TokensToEur(debit.Amount)})? " +
        $"Balance after: {debit.BalanceAfter} tokens (€{Money.TokensToEur(debit.BalanceAfter)}). " +
        "Accept to let it proceed; decline and nothing is charged.";

    public static string Declined(string description, long amount) =>
        $"declined by the user: the {description} ({amount} tokens) was not made; nothing was written";

    public static string NoAnswer(string description, long amount, TimeSpan timeout) =>
        $"no confirmation received within {timeout.TotalMinutes:0} minutes for the {description} ({amount} tokens); nothing was written";

    /// <summary>The refusal for a client that cannot ask: why, and how the threshold is raised for this credential.</summary>
    public static string Unsupported(PendingDebit debit, string credential) =>
        $"confirmation required: this {debit.Description} of {debit.Amount} tokens is above confirm_above ({debit.ConfirmAbove} tokens), " +
        "so the user must confirm it, but this client did not declare MCP elicitation and cannot ask; nothing was written. " +
        $"Use a client that supports elicitation, or {RaiseHint(credential, debit.Amount)}";

    private static string RaiseHint(string credential, long amount) => credential switch
    {
        _ when credential.StartsWith("key_", StringComparison.Ordinal) =>
            $"have an operator raise the key's threshold: cycletokens keys update {credential} --confirm-above {amount}",
        _ when credential.StartsWith("jwt:", StringComparison.Ordinal) =>
            $"have the operator start the HTTP server with --confirm-above {amount} (or CYCLETOKENS_CONFIRM_ABOVE={amount})",
        _ => $"start the server with --confirm-above {amount} (or CYCLETOKENS_CONFIRM_ABOVE={amount})",
    };
}
