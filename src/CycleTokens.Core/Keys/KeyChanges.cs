namespace CycleTokens.Core.Keys;

/// <summary>What to change on a key; every field left unset stays as it is.</summary>
/// <remarks>Null values remove: no name, never expires, no such limit.</remarks>
public sealed record KeyChanges
{
    /// <summary>The new label (1-100 characters), or null to remove it.</summary>
    public Change<string?> Name { get; init; }

    /// <summary>Days from now until the key expires (1-3650), or null for never.</summary>
    public Change<int?> ExpiresInDays { get; init; }

    /// <summary>The new per-call limit, or null for none.</summary>
    public Change<long?> MaxPerCall { get; init; }

    /// <summary>The new per-day limit, or null for none.</summary>
    public Change<long?> MaxPerDay { get; init; }

    /// <summary>The new confirmation threshold, or null for none.</summary>
    public Change<long?> ConfirmAbove { get; init; }

    internal bool Any => Name.IsSet || ExpiresInDays.IsSet || MaxPerCall.IsSet || MaxPerDay.IsSet || ConfirmAbove.IsSet;
}
