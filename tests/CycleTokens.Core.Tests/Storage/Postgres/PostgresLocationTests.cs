using CycleTokens.Core.Storage.Postgres;

namespace CycleTokens.Core.Tests.Storage.Postgres;

/// <summary>Issue 13: <c>--db postgresql://…</c> is read as libpq reads it, and its password is never shown.</summary>
public sealed class PostgresLocationTests
{
    [Theory]
    [InlineData("postgresql://billing@db.internal:5433/ledger", "db.internal", 5433, "billing", null, "ledger")]
    [InlineData("postgres://db.internal/ledger", "db.internal", 5432, null, null, "ledger")]
    [InlineData("postgresql://u:p%40ss%3Aword@h/d", "h", 5432, "u", "p@ss:word", "d")]
    [InlineData("postgresql://postgres@/ledger?host=%2Fvar%2Frun%2Fpostgresql&port=5434", "/var/run/postgresql", 5434, "postgres", null, "ledger")]
    [InlineData("postgresql:///?dbname=d&user=u&password=secret", "localhost", 5432, "u", "secret", "d")]
    [InlineData("postgresql://[::1]:6000/d", "::1", 6000, null, null, "d")]
    public void Uri_IsReadAsLibpqReadsIt(string uri, string host, int port, string? user, string? password, string database)
    {
        var builder = PostgresLocation.Parse(uri);

        Assert.Equal(host, builder.Host);
        Assert.Equal(port, builder.Port);
        Assert.Equal(user, builder.Username);
        Assert.Equal(password, builder.Password);
        Assert.Equal(database, builder.Database);
    }

    [Fact]
    public void LibpqAndNpgsqlParameters_ReachTheConnectionString()
    {
        var builder = PostgresLocation.Parse("postgresql://h/d?sslmode=require&application_name=billing&connect_timeout=7&options=-c%20search_path%3Dtenant_a&Keepalive=30");

        Assert.Equal(Npgsql.SslMode.Require, builder.SslMode);
        Assert.Equal("billing", builder.ApplicationName);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal("-c search_path=tenant_a", builder.Options);
        Assert.Equal(30, builder.KeepAlive);
    }

    [Theory]
    [InlineData("postgresql://u:hunter2@h/d", "postgresql://u:***@h/d")]
    [InlineData("postgresql://h/d?user=u&password=hunter2&sslmode=require", "postgresql://h/d?user=u&password=***&sslmode=require")]
    [InlineData("postgresql://u@h/d", "postgresql://u@h/d")]
    public void Redacted_NeverShowsThePassword(string uri, string shown) =>
        Assert.Equal(shown, PostgresLocation.Redacted(uri));

    [Theory]
    [InlineData("postgresql://u:hunter2@h:notaport/d")]
    [InlineData("postgresql://u:hunter2@h/d?nosuchkeyword=1")]
    public void MalformedUri_IsRefused_WithoutThePassword(string uri)
    {
        var ex = Assert.Throws<LedgerOpenException>(() => PostgresLocation.Parse(uri));

        Assert.Equal(LedgerOpenFailure.InvalidLocation, ex.Failure);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Path, StringComparison.Ordinal);
        Assert.Contains("postgresql://", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://h/d", true)]
    [InlineData("POSTGRES://h/d", true)]
    [InlineData("/var/lib/cycletokens/ledger.db", false)]
    [InlineData("postgresql.db", false)]
    public void IsPostgres_OnlyForTheUriSchemes(string location, bool expected) =>
        Assert.Equal(expected, PostgresLocation.IsPostgres(location));
}
