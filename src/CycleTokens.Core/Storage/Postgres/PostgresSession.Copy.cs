using Npgsql;

namespace CycleTokens.Core.Storage.Postgres;

internal sealed partial class PostgresSession
{
    /// <summary>Starts a binary <c>COPY … FROM STDIN</c> on this connection, inside the transaction it has open.</summary>
    internal NpgsqlBinaryImporter BeginBinaryImport(string copyFromStdin) => _connection.BeginBinaryImport(copyFromStdin);
}
