namespace CycleTokens.Core.Escrows;

/// <summary>Where an escrow stands. Released and cancelled are final.</summary>
public enum EscrowStatus
{
    /// <summary>Tokens are held for the job.</summary>
    Held,

    /// <summary>The fab was paid.</summary>
    Released,

    /// <summary>The tokens went back to the user (or expired with their month).</summary>
    Cancelled,
}
