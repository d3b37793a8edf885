namespace CycleTokens.Mcp.Tests.Support;

/// <summary>
/// What an error shown to a client must not contain: SQL, file paths, exception type names, stack frames or framework
/// namespaces. A fragment the caller sent itself may be echoed (the refusal quotes the shortened value), so a
/// fragment only counts when the request did not contain it.
/// </summary>
internal static class SafeErrorText
{
    /// <summary>SQL as the engine writes it (upper case, so "a number from 1 to 9" is not taken for SQL).</summary>
    private static readonly string[] Sql = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "DROP ", " FROM ", " WHERE ", " VALUES ", " SET ", "BEGIN IMMEDIATE"];

    private static readonly string[] Forbidden =
    [
        "Exception", "   at ", " at System.", " at CycleTokens.", ".cs:line", "System.", "Microsoft.", "CycleTokens.Core", "CycleTokens.Mcp",
        "SQLite", "constraint", "syntax error", "no such table", "no such column", "$account", "seq >",
        "ledger.db", "/tmp/", "/home/", "/root/", "/work/", "\\Users\\", "JsonElement", "JsonValueKind", "JsonReader", "Int64", "Int32",
        "Nullable", "Object reference", "stack trace", "StackTrace", "InnerException", "NullReference", "IndexOutOfRange", "Overflow",
    ];

    /// <summary>Null when <paramref name="message"/> is safe to show for <paramref name="request"/>, else the reason.</summary>
    /// <param name="request">Everything the caller sent, decoded (see <see cref="Decoded"/>).</param>
    public static string? Problem(string message, string request, string? folder = null)
    {
        foreach (var bad in Forbidden.Append(folder ?? "\u0001no-folder\u0001").Append(Path.GetTempPath()))
        {
            if (message.Contains(bad, StringComparison.OrdinalIgnoreCase) && !request.Contains(bad.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return $"the error contains \"{bad.Trim()}\": {HostileStrings.Describe(message, 300)}";
            }
        }

        foreach (var bad in Sql)
        {
            if (message.Contains(bad, StringComparison.Ordinal) && !request.Contains(bad.Trim(), StringComparison.Ordinal))
            {
                return $"the error contains SQL (\"{bad.Trim()}\"): {HostileStrings.Describe(message, 300)}";
            }
        }

        if (message.Contains('\n', StringComparison.Ordinal) || message.Contains('\r', StringComparison.Ordinal))
        {
            return "the error spans several lines: " + HostileStrings.Describe(message, 300);
        }

        // A refusal quotes the offending value shortened, never a megabyte of it back.
        return message.Length > 1000 ? $"the error is {message.Length} characters long" : null;
    }

    /// <summary>The raw request plus every name and string in it decoded, and a URI percent-decoded: what an echo may show.</summary>
    public static string Decoded(string target, string argumentsJson)
    {
        var sb = new System.Text.StringBuilder(target).Append('\n').Append(argumentsJson);
        try
        {
            sb.Append('\n').Append(Uri.UnescapeDataString(target));
        }
        catch (UriFormatException)
        {
            // Not percent-encoded text.
        }

        using var document = System.Text.Json.JsonDocument.Parse(argumentsJson, new System.Text.Json.JsonDocumentOptions { MaxDepth = 256 });
        Strings(document.RootElement, sb);
        return sb.ToString();
    }

    private static void Strings(System.Text.Json.JsonElement element, System.Text.StringBuilder sb)
    {
        switch (element.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    sb.Append('\n').Append(p.Name);
                    Strings(p.Value, sb);
                }

                break;
            case System.Text.Json.JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Strings(item, sb);
                }

                break;
            case System.Text.Json.JsonValueKind.String:
                sb.Append('\n').Append(element.GetString());
                break;
        }
    }
}
