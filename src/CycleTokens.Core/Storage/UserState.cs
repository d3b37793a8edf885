using CycleTokens.Core.Accounts;

namespace CycleTokens.Core.Storage;

/// <summary>What the one statement that starts a call reads (see <see cref="IUserStore.LoadState"/>).</summary>
/// <param name="User">The user's row, or null when the user does not exist.</param>
/// <param name="HoldDue">Whether a held escrow or reservation of the user's has expired.</param>
/// <param name="LastMs">The discount cache's last charge asked for, or null.</param>
/// <param name="Reservation">The reservation asked for, or null (not asked for, or it does not exist).</param>
internal sealed record UserState(UserRow? User, bool HoldDue, long? LastMs, StoredReservation? Reservation);
