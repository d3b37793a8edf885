using System.Text.Json.Serialization.Metadata;
using CycleTokens.Core.Events;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

/// <summary>A queued write whose result is a <typeparamref name="T"/>.</summary>
internal sealed class PendingWrite<T>(
    string? touch,
    Func<string> scope,
    string? key,
    string? fingerprint,
    JsonTypeInfo<T> outcomeType,
    Func<T> body,
    Func<T, T> asReplayed,
    CacheKey? cache,
    string? reservation) : PendingWrite
{
    private T? _result;

    internal string? Touch => touch;

    internal Func<string> Scope => scope;

    internal string? Key => key;

    internal string? Fingerprint => fingerprint;

    internal JsonTypeInfo<T> OutcomeType => outcomeType;

    internal Func<T> Body => body;

    internal Func<T, T> AsReplayed => asReplayed;

    internal CacheKey? Cache => cache;

    /// <summary>The reservation the call settles or voids, read with the user's state, or null.</summary>
    internal string? Reservation => reservation;

    internal override bool Run(TokenLedger ledger, bool alone) => ledger.RunWrite(this, alone);

    internal void Succeed(T result, List<LedgerEvent> events)
    {
        _result = result;
        Succeeded(events);
    }

    /// <summary>The result, or the failure thrown.</summary>
    internal T Result()
    {
        ThrowIfFailed();
        return _result!;
    }
}
