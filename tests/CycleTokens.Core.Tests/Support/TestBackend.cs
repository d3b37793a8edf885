namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Which backend <see cref="TestLedger"/> opens: SQLite unless <c>CYCLETOKENS_TEST_BACKEND=postgres</c>, which .ci/run
/// sets for its second pass over the engine's suite (tests tagged <c>Backend=Sqlite</c> are left out of that pass).
/// </summary>
internal static class TestBackend
{
    public const string Variable = "CYCLETOKENS_TEST_BACKEND";

    public static bool Postgres =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "postgres", StringComparison.OrdinalIgnoreCase);
}
