using CycleTokens.Core.Accounts;
using CycleTokens.Core.Admin;

namespace CycleTokens.Core.Storage;

/// <summary>
/// The statements on accounts of every kind (user rows have <see cref="IUserStore"/>). Synchronous, as every call runs
/// inside the engine's open transaction.
/// </summary>
internal interface IAccountStore
{
    /// <summary>Up to <paramref name="limit"/> accounts with ids after <paramref name="after"/>, by id, of one kind or any.</summary>
    List<AccountSummary> List(AccountKind? kind, string after, int limit);
}
