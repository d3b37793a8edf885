namespace CycleTokens.Core.Migration;

/// <summary>Why a copy between stores was refused or failed (<see cref="StoreCopyException.Failure"/>). Nothing was written to the target in any case.</summary>
public enum StoreCopyFailure
{
    /// <summary>The source and the target are the same ledger.</summary>
    SameLedger,

    /// <summary>The target already holds ledger rows (or is a ledger of another schema version).</summary>
    TargetNotEmpty,

    /// <summary>The source or target has a table or column this build does not copy, or lacks one it does.</summary>
    SchemaNotHandled,

    /// <summary>A stored value is not of its column's kind (text where an integer belongs, a fraction in an amount).</summary>
    BadValue,

    /// <summary>The target refused a row (a constraint, an encoding), or the source could not be read to its end.</summary>
    Failed,
}
