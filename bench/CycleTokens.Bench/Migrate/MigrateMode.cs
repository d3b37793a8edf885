using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CycleTokens.Bench.Ledger;
using CycleTokens.Core;
using CycleTokens.Core.Migration;
using Npgsql;

namespace CycleTokens.Bench.Migrate;

/// <summary>
/// <c>migrate</c>: <c>migrate-store</c>'s copy (<see cref="StoreMigration"/>) of a seeded ledger between SQLite files and,
/// given a PostgreSQL server, into and out of PostgreSQL. Prints a Markdown table: rows, copy time, rows per second and
/// the verification after.
/// </summary>
internal static class MigrateMode
{
    private static readonly Option<int> Size = new("--size") { Description = "Transactions in the seeded ledger.", DefaultValueFactory = _ => 100_000 };

    private static readonly Option<string> Work = new("--work") { Description = "Folder of the seeded ledgers (shared with the ledger mode) and scratch files.", DefaultValueFactory = _ => "artifacts/bench/ledger" };

    private static readonly Option<string?> Postgres = new("--postgres") { Description = "An Npgsql connection string to a superuser's database (tests/postgres/start.sh prints one); without it only SQLite is measured." };

    public static Command Create()
    {
        var command = new Command("migrate", "migrate-store's copy of a seeded ledger: SQLite to SQLite, and to and from PostgreSQL.");
        command.Options.Add(Size);
        command.Options.Add(Work);
        command.Options.Add(Postgres);
        command.SetAction(result => Run(result.GetValue(Size), Path.GetFullPath(result.GetValue(Work)!), result.GetValue(Postgres)));
        return command;
    }

    private static int Run(int size, string work, string? postgres)
    {
        var seed = Seed.Ensure(Path.Combine(work, "seed"), [size])[size];
        var scratch = Directory.CreateDirectory(Path.Combine(work, "migrate-scratch-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var databases = new List<string>();
        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"migrate-store of a ledger of {size:N0} transactions ({new FileInfo(seed).Length / 1048576.0:0.0} MiB SQLite file):");
        output.AppendLine();
        output.AppendLine("| from → to | rows | copy | rows/s | verify after | CPU, copy and verify |");
        output.AppendLine("|---|---:|---:|---:|---:|---:|");
        try
        {
            Measure(output, "SQLite → SQLite", seed, Path.Combine(scratch, "copy.db"));
            if (postgres is not null)
            {
                var first = Create(postgres, databases);
                var second = Create(postgres, databases);
                Measure(output, "SQLite → PostgreSQL", seed, first);
                Measure(output, "PostgreSQL → SQLite", first, Path.Combine(scratch, "back.db"));
                Measure(output, "PostgreSQL → PostgreSQL", first, second);
            }
        }
        finally
        {
            foreach (var database in databases)
            {
                Drop(postgres!, database);
            }

            Directory.Delete(scratch, recursive: true);
        }

        Console.Out.Write(output.ToString());
        return 0;
    }

    private static void Measure(StringBuilder output, string name, string from, string to)
    {
        Console.Error.WriteLine($"copying {name}");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var report = StoreMigration.CopyAsync(new LedgerOptions { DatabasePath = from }, new LedgerOptions { DatabasePath = to }).GetAwaiter().GetResult();
        var total = Stopwatch.GetElapsedTime(started);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (!report.Ok)
        {
            throw new BenchException($"{name}: the copy does not match its source or does not verify: {string.Join("; ", report.Verification.Problems)}");
        }

        var copy = report.Elapsed.TotalSeconds;
        output.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {report.Rows:N0} | {copy:0.00} s | {report.Rows / copy:N0} | {(total - report.Elapsed).TotalSeconds:0.00} s | {cpu.TotalSeconds:0.00} s |");
    }

    /// <summary>A new database on the server, as the postgresql:// URI migrate-store takes.</summary>
    private static string Create(string server, List<string> databases)
    {
        var name = "cycletokens_bench_" + Guid.NewGuid().ToString("N");
        Execute(server, $"CREATE DATABASE \"{name}\"");
        databases.Add(name);
        var b = new NpgsqlConnectionStringBuilder(server);
        var host = b.Host ?? "localhost";
        var user = Uri.EscapeDataString(b.Username ?? "postgres");
        // A socket folder is not a host name: libpq's form passes it as a parameter.
        return host.StartsWith('/')
            ? $"postgresql://{user}@/{name}?host={Uri.EscapeDataString(host)}&port={b.Port}"
            : $"postgresql://{user}@{host}:{b.Port}/{name}";
    }

    private static void Drop(string server, string name) => Execute(server, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");

    private static void Execute(string server, string sql)
    {
        using var connection = new NpgsqlConnection(server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
