namespace CycleTokens.Core.Accounts;

/// <summary>The fixed account names and the namespaces that keep payees apart from users and system accounts.</summary>
public static class AccountNames
{
    /// <summary>The platform's account.</summary>
    public const string Platform = "platform";

    /// <summary>Issues each month's allowance.</summary>
    public const string SystemAllowance = "system:allowance";

    /// <summary>Absorbs allowance that expired unspent.</summary>
    public const string SystemExpired = "system:expired";

    /// <summary>Issues purchased tokens when a payment completes.</summary>
    public const string SystemPayments = "system:payments";

    /// <summary>Issues tokens granted by an operator.</summary>
    public const string SystemGrants = "system:grants";

    /// <summary>Absorbs the balance of a cleared account.</summary>
    public const string SystemCleared = "system:cleared";

    /// <summary>The account of a creator id given by a caller.</summary>
    public static string Creator(string creatorId) => "creator:" + creatorId;

    /// <summary>The account of a fab id given by a caller.</summary>
    public static string Fab(string fabId) => "fab:" + fabId;

    /// <summary>The account that holds one escrow.</summary>
    public static string Escrow(string escrowId) => "escrow:" + escrowId;

    /// <summary>The account that holds one reservation.</summary>
    public static string Hold(string reservationId) => "hold:" + reservationId;

    /// <summary>True when an id belongs to a namespace a user account may not use.</summary>
    public static bool IsReserved(string id) =>
        id == Platform
        || id.StartsWith("creator:", StringComparison.Ordinal)
        || id.StartsWith("fab:", StringComparison.Ordinal)
        || id.StartsWith("system:", StringComparison.Ordinal)
        || id.StartsWith("escrow:", StringComparison.Ordinal)
        || id.StartsWith("hold:", StringComparison.Ordinal);

    /// <summary>Checks a user account id (the account-id rule, outside the reserved namespaces).</summary>
    /// <exception cref="LedgerException">The id breaks the rule; the message names <paramref name="field"/>.</exception>
    public static void ValidateUser(string? account, string field = "account") => Validation.Check.UserAccount(account, field);

    internal static AccountKind KindOf(string id) => id switch
    {
        Platform => AccountKind.Platform,
        _ when id.StartsWith("creator:", StringComparison.Ordinal) => AccountKind.Creator,
        _ when id.StartsWith("fab:", StringComparison.Ordinal) => AccountKind.Fab,
        _ when id.StartsWith("system:", StringComparison.Ordinal) => AccountKind.System,
        _ when id.StartsWith("escrow:", StringComparison.Ordinal) => AccountKind.Escrow,
        _ when id.StartsWith("hold:", StringComparison.Ordinal) => AccountKind.Hold,
        _ => AccountKind.User,
    };
}
