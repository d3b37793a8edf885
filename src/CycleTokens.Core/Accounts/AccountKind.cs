namespace CycleTokens.Core.Accounts;

/// <summary>What an account is for.</summary>
public enum AccountKind
{
    /// <summary>Pays for operations; has a tier, an allowance and purchased tokens.</summary>
    User,

    /// <summary>Earns royalties from charges (<c>creator:&lt;id&gt;</c>).</summary>
    Creator,

    /// <summary>A manufacturing shop paid from released escrows (<c>fab:&lt;id&gt;</c>).</summary>
    Fab,

    /// <summary>The platform, which earns what creators do not (<c>platform</c>).</summary>
    Platform,

    /// <summary>Issues or absorbs tokens (<c>system:*</c>); carries the negative side of issuance.</summary>
    System,

    /// <summary>Holds one escrow's tokens (<c>escrow:&lt;id&gt;</c>).</summary>
    Escrow,

    /// <summary>Holds one reservation's tokens until it is settled, voided or expires (<c>hold:&lt;id&gt;</c>).</summary>
    Hold,
}
