namespace CycleTokens.Core.Tests.Support;

/// <summary>Direct SQL on the ledger (a SQLite file or a PostgreSQL URI), behind the engine's back: for checks and for tampering.</summary>
internal static class RawDb
{
    public static long Scalar(string path, string sql, params (string Name, object Value)[] args)
    {
        using var connection = TestDb.Open(path);
        using var command = TestDb.Command(connection, sql, args);
        var result = command.ExecuteScalar();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int Execute(string path, string sql, params (string Name, object Value)[] args)
    {
        using var connection = TestDb.Open(path);
        using var command = TestDb.Command(connection, sql, args);
        return command.ExecuteNonQuery();
    }
}
