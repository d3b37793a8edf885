namespace CycleTokens.Core.Events;

/// <summary>Something that happened to a user's tokens, raised after its transaction committed.</summary>
/// <param name="Name">One of <see cref="LedgerEventNames"/>.</param>
/// <param name="Account">The user concerned.</param>
/// <param name="Timestamp">When it happened (server clock).</param>
/// <param name="Data">The event's fields (amount, operation, balance, shares, ids): strings, longs, bools or instants (<see cref="DateTimeOffset"/>).</param>
public sealed record LedgerEvent(string Name, string Account, DateTimeOffset Timestamp, IReadOnlyDictionary<string, object?> Data)
{
    /// <summary>True when the event changed the user's balance (the data carries <c>balance</c>).</summary>
    public bool BalanceChanged => Data.ContainsKey("balance");
}
