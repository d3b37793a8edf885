using System.Globalization;
using Npgsql;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>
/// A PostgreSQL ledger's location as the operator gives it: a <c>postgresql://</c> (or <c>postgres://</c>) URI in
/// libpq's form, <c>postgresql://[user[:password]@][host][:port][/database][?param=value&amp;…]</c>. Query parameters
/// are libpq's (<c>host</c> for a socket folder, <c>port</c>, <c>user</c>, <c>password</c>, <c>dbname</c>,
/// <c>sslmode</c>, <c>application_name</c>, <c>connect_timeout</c>) or any Npgsql connection-string keyword.
/// </summary>
internal static class PostgresLocation
{
    /// <summary>True when <paramref name="location"/> names a PostgreSQL database rather than a SQLite file.</summary>
    internal static bool IsPostgres(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Npgsql connection string for the URI.</summary>
    /// <exception cref="LedgerOpenException">The URI is malformed or names an unknown parameter; the message never shows the password.</exception>
    internal static NpgsqlConnectionStringBuilder Parse(string location)
    {
        var shown = Redacted(location);
        try
        {
            var builder = new NpgsqlConnectionStringBuilder();
            var rest = location[(location.IndexOf("://", StringComparison.Ordinal) + 3)..];
            var query = string.Empty;
            var q = rest.IndexOf('?', StringComparison.Ordinal);
            if (q >= 0)
            {
                query = rest[(q + 1)..];
                rest = rest[..q];
            }

            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var authority = slash >= 0 ? rest[..slash] : rest;
            var database = slash >= 0 ? Uri.UnescapeDataString(rest[(slash + 1)..]) : string.Empty;
            var at = authority.LastIndexOf('@');
            if (at >= 0)
            {
                var credentials = authority[..at];
                authority = authority[(at + 1)..];
                var colon = credentials.IndexOf(':', StringComparison.Ordinal);
                builder.Username = Uri.UnescapeDataString(colon >= 0 ? credentials[..colon] : credentials);
                if (colon >= 0)
                {
                    builder.Password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
                }
            }

            if (authority.Length > 0)
            {
                // host:port, [v6]:port, or several hosts separated by commas (Npgsql takes the same list).
                var hostPart = authority;
                var portColon = authority.LastIndexOf(':');
                if (portColon > authority.LastIndexOf(']'))
                {
                    hostPart = authority[..portColon];
                    builder.Port = int.Parse(authority[(portColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
                }

                builder.Host = Uri.UnescapeDataString(hostPart.Trim('[', ']'));
            }

            if (database.Length > 0)
            {
                builder.Database = database;
            }

            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
                var value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..]) : string.Empty;
                switch (key)
                {
                    case "host": builder.Host = value; break;
                    case "port": builder.Port = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
                    case "user": builder.Username = value; break;
                    case "password": builder.Password = value; break;
                    case "dbname": builder.Database = value; break;
                    case "sslmode": builder[ "SSL Mode"] = value; break;
                    case "application_name": builder.ApplicationName = value; break;
                    case "connect_timeout": builder.Timeout = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
                    default: builder[key] = value; break;
                }
            }

            if (string.IsNullOrEmpty(builder.Host))
            {
                builder.Host = "localhost";
            }

            return builder;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or KeyNotFoundException)
        {
            throw new LedgerOpenException(
                LedgerOpenFailure.InvalidLocation,
                shown,
                $"Cannot open the ledger {shown}: not a valid PostgreSQL URI (postgresql://user@host:port/database?param=value): {SafeReason(ex)}.",
                ex);
        }
    }

    /// <summary>The URI as it may be shown and logged: without the password (in the authority or as a parameter).</summary>
    internal static string Redacted(string location)
    {
        var scheme = location.IndexOf("://", StringComparison.Ordinal) + 3;
        var text = location;
        var end = text.IndexOfAny(['/', '?'], scheme);
        var authorityEnd = end < 0 ? text.Length : end;
        var at = text.LastIndexOf('@', authorityEnd - 1, authorityEnd - scheme);
        if (at >= 0)
        {
            var colon = text.IndexOf(':', scheme, at - scheme);
            if (colon >= 0)
            {
                text = text[..(colon + 1)] + "***" + text[at..];
            }
        }

        return System.Text.RegularExpressions.Regex.Replace(text, "(?i)([?&]password=)[^&]*", "$1***");
    }

    // The parser's own words, minus any value (a password must never be echoed back).
    private static string SafeReason(Exception ex) => ex switch
    {
        KeyNotFoundException or ArgumentException when ex.Message.Contains("keyword", StringComparison.OrdinalIgnoreCase) => "a parameter is not a known libpq or Npgsql keyword",
        FormatException or OverflowException => "a port or timeout is not a number",
        _ => "it cannot be read",
    };
}
