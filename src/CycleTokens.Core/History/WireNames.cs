namespace CycleTokens.Core.History;

/// <summary>The snake_case names of kinds and types used in storage, exports and the MCP contract.</summary>
public static class WireNames
{
    /// <summary>The wire name of a kind, e.g. <c>charge</c>.</summary>
    public static string ToWireName(this TransactionKind kind) => kind switch
    {
        TransactionKind.Charge => "charge",
        TransactionKind.Spend => "spend",
        TransactionKind.Grant => "grant",
        TransactionKind.Purchase => "purchase",
        TransactionKind.Allowance => "allowance",
        TransactionKind.Expiry => "expiry",
        TransactionKind.Refund => "refund",
        TransactionKind.Escrow => "escrow",
        TransactionKind.Reservation => "reservation",
        _ => "clear",
    };

    /// <summary>The wire name of a type, e.g. <c>escrow_hold</c>.</summary>
    public static string ToWireName(this TransactionType type) => type switch
    {
        TransactionType.Debit => "debit",
        TransactionType.Credit => "credit",
        TransactionType.EscrowHold => "escrow_hold",
        TransactionType.EscrowRelease => "escrow_release",
        TransactionType.ReservationHold => "reservation_hold",
        TransactionType.ReservationRelease => "reservation_release",
        _ => "escrow_cancel",
    };

    /// <summary>Parses a kind's wire name; the failure names the <c>kind</c> field.</summary>
    public static TransactionKind ParseKind(string? name) =>
        Enum.GetValues<TransactionKind>().Where(k => k.ToWireName() == name).Cast<TransactionKind?>().FirstOrDefault()
        ?? throw LedgerException.Invalid("kind", "must be one of charge, spend, grant, purchase, allowance, expiry, refund, escrow, clear, reservation", Validation.Check.Shown(name));

    /// <summary>Parses a type's wire name; the failure names the <c>type</c> field.</summary>
    public static TransactionType ParseType(string? name) =>
        Enum.GetValues<TransactionType>().Where(k => k.ToWireName() == name).Cast<TransactionType?>().FirstOrDefault()
        ?? throw LedgerException.Invalid("type", "must be one of debit, credit, escrow_hold, escrow_release, escrow_cancel, reservation_hold, reservation_release", Validation.Check.Shown(name));
}
