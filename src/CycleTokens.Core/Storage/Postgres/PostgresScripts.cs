using System.Globalization;

namespace CycleTokens.Core.Storage.Postgres;

/// <summary>The embedded PostgreSQL schema scripts (<c>Postgres/Schema/NNN_name.sql</c>), in version order.</summary>
internal static class PostgresScripts
{
    private const string Prefix = "CycleTokens.Core.Storage.Postgres.Schema.";

    private static readonly Lazy<IReadOnlyList<PostgresScript>> Loaded = new(Load);

    /// <summary>Every script, lowest version first.</summary>
    internal static IReadOnlyList<PostgresScript> All => Loaded.Value;

    /// <summary>The schema version this build creates and understands.</summary>
    internal static int LatestVersion => All[^1].Version;

    private static List<PostgresScript> Load()
    {
        var assembly = typeof(PostgresScripts).Assembly;
        var scripts = new List<PostgresScript>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new PostgresScript(int.Parse(name.AsSpan(Prefix.Length, 3), CultureInfo.InvariantCulture), reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        return scripts;
    }
}
