using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;
using Npgsql;

namespace CycleTokens.Bench.Backends;

/// <summary>
/// <c>backends</c> (issue 13 item 7): charges per second and p50/p99 latency on SQLite and PostgreSQL with 1, 16 and 64
/// concurrent callers, on distinct accounts and on one hot account, each against <see cref="RowFloor"/> at the same
/// concurrency in the same run.
/// </summary>
internal static class BackendsMode
{
    private static readonly Option<string?> Postgres = new("--postgres") { Description = "A postgresql:// URI of a server database the bench may create databases from (CREATE DATABASE rights)." };
    private static readonly Option<double> Seconds = new("--seconds") { Description = "Measured seconds per case (after 1 s of warm-up).", DefaultValueFactory = _ => 5 };
    private static readonly Option<string> CallerCounts = new("--callers") { DefaultValueFactory = _ => "1,16,64" };

    private static readonly JsonElement Params = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;

    public static Command Create()
    {
        var command = new Command("backends", "Charges/s and p50/p99 on SQLite and PostgreSQL, distinct and hot accounts, against the floor of the same rows.");
        command.Options.Add(Postgres);
        command.Options.Add(Seconds);
        command.Options.Add(CallerCounts);
        command.SetAction(r =>
        {
            var callers = r.GetValue(CallerCounts)!.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Console.Out.Write(Run(r.GetValue(Postgres), TimeSpan.FromSeconds(r.GetValue(Seconds)), callers));
            return 0;
        });
        return command;
    }

    /// <summary>The Npgsql connection string of a postgresql:// URI (the engine's own parser, through a throwaway ledger option).</summary>
    public static string ConnectionString(string uri) => PostgresUris.ToConnectionString(uri);

    private static string Run(string? postgres, TimeSpan measured, int[] callerCounts)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        if (postgres is not null)
        {
            text.AppendLine(inv, $"PostgreSQL: {Settings(postgres)}");
            text.AppendLine();
        }

        text.AppendLine("| backend | accounts | callers | charges/s | p50 µs | p99 µs | floor/s | floor p50 µs | floor p99 µs | charges ÷ floor |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var backends = postgres is null ? new[] { "sqlite" } : ["sqlite", "postgresql"];
        foreach (var backend in backends)
        {
            foreach (var hot in new[] { false, true })
            {
                foreach (var callers in callerCounts)
                {
                    Console.Error.WriteLine($"backends: {backend}, {(hot ? "hot" : "distinct")}, {callers} callers");
                    var engine = Case(backend, postgres, callers, hot, measured, floor: false);
                    var floor = Case(backend, postgres, callers, hot, measured, floor: true);
                    text.AppendLine(inv, $"| {backend} | {(hot ? "one hot" : "distinct")} | {callers} | {engine.PerSecond:N0} | {engine.P50:N0} | {engine.P99:N0} | {floor.PerSecond:N0} | {floor.P50:N0} | {floor.P99:N0} | {engine.PerSecond / floor.PerSecond:0.00} |");
                }
            }
        }

        text.AppendLine();
        return text.ToString();
    }

    private static (double PerSecond, double P50, double P99) Case(string backend, string? server, int callers, bool hot, TimeSpan measured, bool floor)
    {
        var (location, drop) = NewLedger(backend, server);
        try
        {
            var accounts = Enumerable.Range(0, hot ? 1 : callers).Select(i => $"bench{i:D2}").ToArray();
            using (var seed = TokenLedger.Open(new LedgerOptions { DatabasePath = location }))
            {
                foreach (var account in accounts)
                {
                    seed.GrantAsync(account, 1_000_000_000_000).GetAwaiter().GetResult();
                }
            }

            if (floor && backend != "sqlite")
            {
                // The engine writes seq itself; the floor lets the database give it, from past the engine's rows.
                using var connection = new NpgsqlConnection(ConnectionString(location));
                connection.Open();
                using var command = new NpgsqlCommand("SELECT setval(pg_get_serial_sequence('transactions', 'seq'), (SELECT MAX(seq) FROM transactions))", connection);
                command.ExecuteNonQuery();
            }

            return floor ? Floor(location, backend, callers, accounts, measured) : Engine(location, callers, accounts, measured);
        }
        finally
        {
            drop();
        }
    }

    private static (double, double, double) Engine(string location, int callers, string[] accounts, TimeSpan measured)
    {
        using var ledger = TokenLedger.Open(new LedgerOptions { DatabasePath = location });
        var request = new ChargeRequest("model.export.step") { Params = Params };
        return Drive(callers, measured, async (caller, until, latencies) =>
        {
            var account = accounts[caller % accounts.Length];
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                await ledger.ChargeAsync(account, request);
                latencies?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
        });
    }

    private static (double, double, double) Floor(string location, string backend, int callers, string[] accounts, TimeSpan measured)
    {
        // PostgreSQL: a connection per caller, as plain code would have. SQLite allows one writer at a time, so its
        // callers share one connection in turn (separate connections would only add busy-waiting).
        var floors = Enumerable.Range(0, backend == "sqlite" ? 1 : callers).Select(_ => RowFloor.Open(location)).ToArray();
        var gate = new object();
        try
        {
            return Drive(callers, measured, (caller, until, latencies) => Task.Run(() =>
            {
                var account = accounts[caller % accounts.Length];
                var floor = floors[caller % floors.Length];
                while (Stopwatch.GetTimestamp() < until)
                {
                    var start = Stopwatch.GetTimestamp();
                    if (floors.Length == 1)
                    {
                        lock (gate)
                        {
                            floor.Charge(account);
                        }
                    }
                    else
                    {
                        floor.Charge(account);
                    }

                    latencies?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }));
        }
        finally
        {
            foreach (var floor in floors)
            {
                floor.Dispose();
            }
        }
    }

    /// <summary>Runs the callers for 1 s of warm-up, then for <paramref name="measured"/>; charges per second and latency percentiles.</summary>
    private static (double PerSecond, double P50, double P99) Drive(int callers, TimeSpan measured, Func<int, long, List<double>?, Task> caller)
    {
        var warmUntil = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 1.0);
        Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => caller(i, warmUntil, null)))).GetAwaiter().GetResult();
        var lists = Enumerable.Range(0, callers).Select(_ => new List<double>(100_000)).ToArray();
        var clock = Stopwatch.StartNew();
        var until = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * measured.TotalSeconds);
        Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => caller(i, until, lists[i])))).GetAwaiter().GetResult();
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = lists.SelectMany(l => l).Order().ToArray();
        return (all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(share * sorted.Length) - 1)];

    private static (string Location, Action Drop) NewLedger(string backend, string? server)
    {
        if (backend == "sqlite")
        {
            var folder = Directory.CreateTempSubdirectory("cycletokens-backends-").FullName;
            return (Path.Combine(folder, "ledger.db"), () => Directory.Delete(folder, recursive: true));
        }

        var name = "cycletokens_bench_" + Guid.NewGuid().ToString("N");
        Admin(server!, $"CREATE DATABASE \"{name}\"");
        return (PostgresUris.WithDatabase(server!, name), () =>
        {
            NpgsqlConnection.ClearAllPools();
            Admin(server!, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        });
    }

    private static void Admin(string server, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(server));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string Settings(string server)
    {
        using var connection = new NpgsqlConnection(ConnectionString(server));
        connection.Open();
        var parts = new List<string> { connection.PostgreSqlVersion.ToString() };
        foreach (var setting in new[] { "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "max_connections" })
        {
            using var command = new NpgsqlCommand("SELECT current_setting(@s)", connection);
            command.Parameters.AddWithValue("s", setting);
            parts.Add($"{setting}={command.ExecuteScalar()}");
        }

        return string.Join(", ", parts) + " (Unix socket, same machine)";
    }
}
