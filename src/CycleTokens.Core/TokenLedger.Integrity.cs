using Microsoft.Data.Sqlite;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    private const string IntegrityCheckSql = "PRAGMA integrity_check";

    /// <summary>
    /// What <c>PRAGMA integrity_check</c> finds (at most 100 findings), or nothing when the file is sound. It reads
    /// every page, so it finds damage to indexes and tables that the journal scan never touches.
    /// </summary>
    private List<string> IntegrityProblems()
    {
        var found = new List<string>();
        try
        {
            using var reader = _db.Command(IntegrityCheckSql).ExecuteReader();
            while (reader.Read())
            {
                // One row may hold several findings, one a line, under a "*** in database main ***" heading.
                found.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(line => !line.StartsWith("***", StringComparison.Ordinal)));
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_CORRUPT)
        {
            // Damage bad enough to stop the check itself.
            found.Add("the check could not finish: " + SQLitePCL.raw.sqlite3_errstr(ex.SqliteErrorCode).utf8_to_string());
        }

        return found is ["ok"] ? [] : found;
    }
}
