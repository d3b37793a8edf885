namespace CycleTokens.Core.Keys;

/// <summary>Wire names of key roles (<c>agent</c>, <c>operator</c>).</summary>
public static class KeyRoles
{
    /// <summary>The wire name of a role.</summary>
    public static string ToWireName(this KeyRole role) => role == KeyRole.Operator ? "operator" : "agent";

    /// <summary>Parses a role name in any case (<c>Operator</c> is operator); the failure names the <c>role</c> field.</summary>
    /// <exception cref="LedgerException">Not agent or operator (InvalidArgument).</exception>
    public static KeyRole Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "agent" => KeyRole.Agent,
        "operator" => KeyRole.Operator,
        _ => throw LedgerException.Invalid("role", "must be agent or operator", Validation.Check.Shown(name)),
    };
}
