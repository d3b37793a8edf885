namespace CycleTokens.Core.Storage.Postgres;

/// <summary>One schema script: the version it brings the database to, and its SQL.</summary>
internal sealed record PostgresScript(int Version, string Sql);
