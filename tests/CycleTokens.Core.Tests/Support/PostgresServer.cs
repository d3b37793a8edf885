namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// The PostgreSQL server the PostgreSQL tests use: <c>CYCLETOKENS_TEST_POSTGRES</c>, an Npgsql connection string to a
/// superuser's database (tests/postgres/start.sh prints one). Each test gets its own database there
/// (<see cref="TestPostgresDatabase"/>).
/// </summary>
internal static class PostgresServer
{
    public const string Variable = "CYCLETOKENS_TEST_POSTGRES";

    public const string MissingMessage =
        "PostgreSQL tests need CYCLETOKENS_TEST_POSTGRES; .ci/run starts a cluster (by hand: eval \"$(tests/postgres/start.sh)\").";

    /// <summary>The connection string, or null when the variable is unset or empty.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// In CI (<c>CI=true</c>, or <c>CYCLETOKENS_REQUIRE_POSTGRES=1</c>, which .ci/run sets) a missing server fails the
    /// PostgreSQL tests instead of skipping them, so a broken cluster start can never pass as green.
    /// </summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("CYCLETOKENS_REQUIRE_POSTGRES") == "1";
}
