namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>
/// Applies the embedded schema scripts (<c>Schema/NNN_name.sql</c>) above <c>PRAGMA user_version</c>, each in its
/// own write transaction, so several processes opening a new file at once migrate it exactly once.
/// </summary>
internal static class Migrator
{
    private const string Prefix = "CycleTokens.Core.Storage.Sqlite.Schema.";

    internal static int LatestVersion => Scripts().Max(s => s.Version);

    internal static void Migrate(LedgerDatabase db)
    {
        foreach (var (version, resource) in Scripts().OrderBy(s => s.Version))
        {
            if (CurrentVersion(db) >= version)
            {
                continue;
            }

            db.BeginWrite();
            try
            {
                // Re-read under the write lock: another process may have migrated meanwhile.
                if (CurrentVersion(db) < version)
                {
                    db.Execute(ReadScript(resource));
                    db.Execute($"PRAGMA user_version = {version}");
                }

                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
        }

        // Checked before migrating too; again here for a newer build that migrated the file meanwhile.
        var current = CurrentVersion(db);
        if (current > LatestVersion)
        {
            throw OpenDiagnosis.Newer(db.Path, current);
        }
    }

    internal static int CurrentVersion(LedgerDatabase db) =>
        Convert.ToInt32(db.Command("PRAGMA user_version").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<(int Version, string Resource)> Scripts() =>
        typeof(Migrator).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (int.Parse(n.AsSpan(Prefix.Length, 3), System.Globalization.CultureInfo.InvariantCulture), n));

    private static string ReadScript(string resource)
    {
        using var stream = typeof(Migrator).Assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
