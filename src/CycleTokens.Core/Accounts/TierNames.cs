namespace CycleTokens.Core.Accounts;

/// <summary>Wire names of tiers (FREE, PRO, ENTERPRISE).</summary>
public static class TierNames
{
    /// <summary>The wire name of a tier.</summary>
    public static string ToWireName(this Tier tier) => tier switch
    {
        Tier.Pro => "PRO",
        Tier.Enterprise => "ENTERPRISE",
        _ => "FREE",
    };

    /// <summary>Parses a wire name; the failure names the <c>tier</c> field.</summary>
    public static Tier Parse(string? name) => name switch
    {
        "FREE" => Tier.Free,
        "PRO" => Tier.Pro,
        "ENTERPRISE" => Tier.Enterprise,
        _ => throw LedgerException.Invalid("tier", "must be one of FREE, PRO, ENTERPRISE", Validation.Check.Shown(name)),
    };
}
