using CycleTokens.Core.Storage.Postgres;

namespace CycleTokens.Core.Migration;

/// <summary>Whether two locations name the same ledger, before either is opened.</summary>
internal static class SameStore
{
    /// <summary>
    /// True for the same file (after making the paths absolute and following a symbolic link) or the same PostgreSQL
    /// database (host, port and database, whoever connects). Other spellings of one place (a host name and its address)
    /// are not caught here; the copy then finds the target not empty, unless the ledger is empty.
    /// </summary>
    /// <exception cref="LedgerOpenException">A PostgreSQL URI is malformed.</exception>
    internal static bool Check(string a, string b)
    {
        var postgres = PostgresLocation.IsPostgres(a);
        if (postgres != PostgresLocation.IsPostgres(b))
        {
            return false;
        }

        if (!postgres)
        {
            return string.Equals(FilePath(a), FilePath(b), StringComparison.Ordinal);
        }

        var x = PostgresLocation.Parse(a);
        var y = PostgresLocation.Parse(b);
        // Without a database name libpq and Npgsql connect to the database named like the user.
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase)
            && x.Port == y.Port
            && string.Equals(x.Database ?? x.Username, y.Database ?? y.Username, StringComparison.Ordinal);
    }

    private static string FilePath(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Missing (a new target), a link loop or an unreadable link: compare the path as given.
            return full;
        }
    }
}
