namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// What an error shown to a client must not contain: SQL, file paths, exception type names, stack frames or framework
/// namespaces. A fragment the caller sent itself may be echoed (the refusal quotes the shortened value), so a
/// fragment only counts when the request did not contain it.
/// </summary>
internal static class SafeErrorText
{
    private static readonly string[] Forbidden =
    [
        "Exception", "   at ", " at System.", " at CycleTokens.", ".cs:line", "System.", "Microsoft.", "CycleTokens.Core", "CycleTokens.Mcp",
        "SQLite", "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "DROP ", " FROM ", " WHERE ", "constraint", "syntax error", "no such table",
        "ledger.db", "/tmp/", "/home/", "/root/", "/work/", "\\Users\\", "JsonElement", "JsonValueKind", "JsonReader", "Int64", "Int32",
        "Nullable", "Object reference", "stack trace", "StackTrace", "InnerException", "NullReference", "IndexOutOfRange", "Overflow",
    ];

    /// <summary>Null when <paramref name="message"/> is safe to show for <paramref name="request"/>, else the reason.</summary>
    public static string? Problem(string message, string request, string? folder = null)
    {
        foreach (var bad in Forbidden.Append(folder ?? "\u0001no-folder\u0001").Append(Path.GetTempPath()))
        {
            if (message.Contains(bad, StringComparison.OrdinalIgnoreCase) && !request.Contains(bad, StringComparison.OrdinalIgnoreCase))
            {
                return $"the error contains \"{bad.Trim()}\": {HostileStrings.Describe(message, 300)}";
            }
        }

        if (message.Contains('\n', StringComparison.Ordinal) || message.Contains('\r', StringComparison.Ordinal))
        {
            return "the error spans several lines: " + HostileStrings.Describe(message, 300);
        }

        // A refusal quotes the offending value shortened, never a megabyte of it back.
        return message.Length > 1000 ? $"the error is {message.Length} characters long" : null;
    }
}
