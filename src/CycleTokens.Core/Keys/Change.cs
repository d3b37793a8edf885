namespace CycleTokens.Core.Keys;

/// <summary>A change to one field of an update: either none (the default: leave the field) or a new value.</summary>
/// <typeparam name="T">The field's type; for an optional field a nullable one, where null removes the value.</typeparam>
public readonly record struct Change<T>
{
    private Change(T value)
    {
        IsSet = true;
        Value = value;
    }

    /// <summary>True when the field is to be set to <see cref="Value"/>.</summary>
    public bool IsSet { get; }

    /// <summary>The new value (meaningful only when <see cref="IsSet"/>).</summary>
    public T Value { get; }

#pragma warning disable CA1000 // A factory on the generic type reads best at the call site: Change<long?>.To(500).
    /// <summary>Sets the field to <paramref name="value"/> (null removes an optional value).</summary>
    public static Change<T> To(T value) => new(value);
#pragma warning restore CA1000
}
