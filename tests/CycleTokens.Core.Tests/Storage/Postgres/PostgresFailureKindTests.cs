using CycleTokens.Core.Storage.Postgres;
using Npgsql;

namespace CycleTokens.Core.Tests.Storage.Postgres;

/// <summary>
/// Which failures are the connection's (a retry may succeed) rather than the call's: among them a fault Npgsql throws
/// from inside itself as a connection breaks, which CI once saw as a NullReferenceException in ReadMessageLong.
/// </summary>
[Trait("Backend", "Sqlite")]
public sealed class PostgresFailureKindTests
{
    [Fact]
    public void AFaultThrownInsideNpgsql_IsTheConnections()
    {
        var connection = new NpgsqlConnection("Host=localhost");
        connection.Dispose();

        var fault = Record.Exception(() => connection.BeginTransaction());

        Assert.IsType<ObjectDisposedException>(fault);
        Assert.True(PostgresSession.IsInternalFault(fault), fault.StackTrace);
        Assert.True(PostgresSession.IsUnavailable(fault));
    }

    [Fact]
    public void TheSameFaultThrownByOurOwnCode_IsNot()
    {
        var fault = Record.Exception(() => ThrowOwn());

        Assert.False(PostgresSession.IsInternalFault(fault!));
        Assert.False(PostgresSession.IsUnavailable(fault!));
    }

    private static void ThrowOwn() => throw new ObjectDisposedException("ledger");
}
