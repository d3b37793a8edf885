namespace CycleTokens.Core.Storage;

/// <summary>An account's stored balances as read back for verification.</summary>
/// <param name="Id">The account id.</param>
/// <param name="Kind">Its kind (user, creator, fab, platform or system).</param>
/// <param name="Balance">The stored balance.</param>
/// <param name="Allowance">The stored allowance part (users).</param>
/// <param name="Purchased">The stored purchased part (users).</param>
internal sealed record StoredAccount(string Id, string Kind, long Balance, long Allowance, long Purchased);
