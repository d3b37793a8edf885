using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of one test's own (tests/postgres/start.sh in a temp folder), which the test may stop, start
/// and restart (tests/postgres/pgctl.sh: immediate stops, as a crash would be) without disturbing the shared test
/// server other tests run on in parallel. Disposing stops it and deletes the folder (tests/postgres/stop.sh).
/// </summary>
/// <remarks>
/// Needs the same PostgreSQL installation as the shared server: a test using it is a <see cref="PostgresFactAttribute"/>
/// test, skipped or failed exactly as those are.
/// </remarks>
internal sealed partial class PostgresCluster : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private PostgresCluster(string folder, string connectionString)
    {
        Folder = folder;
        ConnectionString = connectionString;
    }

    /// <summary>The cluster's folder (data, socket, server log).</summary>
    public string Folder { get; }

    /// <summary>An Npgsql connection string to the superuser's <c>postgres</c> database over the cluster's Unix socket.</summary>
    public string ConnectionString { get; }

    /// <summary>Runs initdb and starts the server (a few seconds).</summary>
    public static async Task<PostgresCluster> StartAsync(CancellationToken cancellationToken)
    {
        if (PostgresServer.ConnectionString is null)
        {
            // Reached only in CI (elsewhere the test is skipped): say what is missing rather than fail in a script.
            throw new InvalidOperationException(PostgresServer.MissingMessage);
        }

        // Short: the Unix socket's path must stay under about 100 bytes.
        var folder = Path.Combine(Path.GetTempPath(), "ctpg-" + Guid.NewGuid().ToString("N")[..12]);
        await RunAsync("start.sh", [folder], cancellationToken);
        var env = await File.ReadAllTextAsync(Path.Combine(folder, "env"), cancellationToken);
        var connection = ExportLine().Match(env) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"start.sh wrote no connection string to {folder}/env");
        return new PostgresCluster(folder, connection);
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m immediate</c>): every connection breaks.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await RunAsync("pgctl.sh", [Folder, "stop"], cancellationToken);
        ForgetPooledConnections();
    }

    /// <summary>Starts the stopped server again and waits until it accepts connections (after crash recovery).</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) => RunAsync("pgctl.sh", [Folder, "start"], cancellationToken);

    /// <summary><c>pg_ctl restart -m immediate</c>: every connection breaks, and the server is back when this returns.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await RunAsync("pgctl.sh", [Folder, "restart"], cancellationToken);
        ForgetPooledConnections();
    }

    /// <summary>A fresh database on this cluster; it goes with the cluster, so there is no need to drop it.</summary>
    public Task<TestPostgresDatabase> CreateDatabaseAsync(CancellationToken cancellationToken) =>
        TestPostgresDatabase.CreateAsync(ConnectionString, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("stop.sh", [Folder], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // A cluster that would not stop cleanly leaves a temp folder behind; the test's own outcome stands.
        }
    }

    // The test helpers pool their connections (TestPostgresDatabase): those to this cluster broke. Pools have no
    // server to filter by, so all are cleared; other tests' idle connections are only opened again when next used.
    private static void ForgetPooledConnections() => Npgsql.NpgsqlConnection.ClearAllPools();

    /// <summary>The folder holding tests/postgres, found above the test output.</summary>
    private static string ScriptFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var scripts = Path.Combine(folder.FullName, "tests", "postgres");
            if (File.Exists(Path.Combine(scripts, "pgctl.sh")))
            {
                return scripts;
            }
        }

        throw new InvalidOperationException("tests/postgres/pgctl.sh not found above " + AppContext.BaseDirectory);
    }

    private static async Task RunAsync(string script, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(ScriptFolder(), script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/postgres/{script} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }
    }

    [GeneratedRegex("CYCLETOKENS_TEST_POSTGRES='([^']*)'")]
    private static partial Regex ExportLine();
}
