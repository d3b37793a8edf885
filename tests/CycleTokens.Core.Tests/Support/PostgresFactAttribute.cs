namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A test that needs a PostgreSQL server. Without <c>CYCLETOKENS_TEST_POSTGRES</c> it is skipped, visibly and with the
/// reason, on a developer's machine; in CI (<see cref="PostgresServer.Required"/>) it runs and fails saying what is missing.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.ConnectionString is null && !PostgresServer.Required)
        {
            Skip = PostgresServer.MissingMessage;
        }
    }
}
