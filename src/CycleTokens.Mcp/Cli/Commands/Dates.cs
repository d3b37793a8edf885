using System.Globalization;
using CycleTokens.Core;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>ISO 8601 date-times given on the command line (UTC unless they say otherwise).</summary>
internal static class Dates
{
    public static DateTimeOffset? Parse(string? text, string field) =>
        text is null
            ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
                ? value
                : throw new LedgerException(LedgerErrorCode.InvalidArgument, $"{field} must be an ISO 8601 date-time such as 2026-03-01T00:00:00Z (got '{Json.Wire.Shown(text)}')", field);
}
