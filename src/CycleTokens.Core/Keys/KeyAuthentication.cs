using System.Diagnostics.CodeAnalysis;

namespace CycleTokens.Core.Keys;

/// <summary>The outcome of presenting a secret: the key it belongs to, or why it was refused.</summary>
public sealed record KeyAuthentication
{
    private KeyAuthentication(ApiKey? key, KeyAuthFailure? failure)
    {
        Key = key;
        Failure = failure;
    }

    /// <summary>The authenticated key (id, account, role, expiry, budget); null when refused.</summary>
    public ApiKey? Key { get; }

    /// <summary>Why the secret was refused; null when it authenticated.</summary>
    public KeyAuthFailure? Failure { get; }

    /// <summary>True when <see cref="Key"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Key))]
    public bool Succeeded => Key is not null;

    internal static KeyAuthentication Ok(ApiKey key) => new(key, null);

    internal static KeyAuthentication Refused(KeyAuthFailure failure) => new(null, failure);
}
