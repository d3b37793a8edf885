namespace CycleTokens.Core.Admin;

/// <summary>The outcome of clearing an account's data.</summary>
/// <param name="Account">The user cleared.</param>
/// <param name="ClearedTokens">Tokens moved to <c>system:cleared</c>.</param>
/// <param name="CancelledEscrows">Held escrows cancelled first.</param>
/// <param name="BalanceAfter">The balance after: a fresh FREE allowance.</param>
public sealed record ClearResult(string Account, long ClearedTokens, int CancelledEscrows, long BalanceAfter);
