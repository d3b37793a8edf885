namespace CycleTokens.Bench.Backends;

/// <summary>postgresql:// URIs for the bench: the engine's own parsing, and another database on the same server.</summary>
internal static class PostgresUris
{
    public static string ToConnectionString(string uri)
    {
        var builder = Core.Storage.Postgres.PostgresLocation.Parse(uri);
        builder.Pooling = false;
        return builder.ConnectionString;
    }

    /// <summary>The URI with its database replaced.</summary>
    public static string WithDatabase(string uri, string database)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal) + 3;
        var query = uri.IndexOf('?', scheme);
        var head = query < 0 ? uri : uri[..query];
        var tail = query < 0 ? string.Empty : uri[query..];
        var slash = head.IndexOf('/', scheme);
        return (slash < 0 ? head : head[..slash]) + "/" + database + tail;
    }
}
