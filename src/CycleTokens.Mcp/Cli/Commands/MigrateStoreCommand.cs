using System.CommandLine;
using System.Text.Json.Nodes;
using CycleTokens.Core.Migration;
using CycleTokens.Mcp.Hosting;
using CycleTokens.Mcp.Json;

namespace CycleTokens.Mcp.Cli.Commands;

/// <summary>migrate-store: copy a whole ledger to another store (SQLite and PostgreSQL, either way), then check the copy.</summary>
internal static class MigrateStoreCommand
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        var from = new Option<string>("--from") { Description = "The ledger to copy: a SQLite file or postgresql://user@host:port/database. Read in one snapshot, so servers may keep using it.", Required = true };
        var to = new Option<string>("--to") { Description = "Where to copy it: a new (or empty) SQLite file, or a PostgreSQL database without ledger rows (created or migrated if need be).", Required = true };
        var command = new Command(
            "migrate-store",
            "Copy a whole ledger to another store, SQLite to PostgreSQL or back: every row with its ids, seqs, times, chain hashes, API keys and stored outcomes, in one transaction (a failure leaves the target empty); then verify the target and compare row counts per table. Exit 1 if anything differs. Refuses a target that holds any ledger row.")
        {
            from,
            to,
        };
        command.SetOptionsAction(app, async (r, options, o, ct) =>
        {
            if (r.GetResult(ServeCommand.Db) is not null)
            {
                throw new SettingsException("--db does not apply to migrate-store: name the ledgers with --from and --to");
            }

            var report = await StoreMigration.CopyAsync(
                options with { DatabasePath = Location(r.GetRequiredValue(from), "--from") },
                options with { DatabasePath = Location(r.GetRequiredValue(to), "--to") },
                o.Progress("migrate-store"),
                o.Progress("verify"),
                ct);
            var json = Json(report);
            if (o.Json)
            {
                o.WriteJson(json);
            }
            else
            {
                o.List(json, "tables", "table", "source", "target");
                o.Out.WriteLine();
                o.Record(json);
                foreach (var problem in report.Verification.Problems)
                {
                    o.Out.WriteLine("problem: " + problem);
                }
            }

            foreach (var table in report.Tables.Where(t => !t.Matches))
            {
                await o.Error.WriteLineAsync($"Table {table.Table} has {table.Source} rows in the source but {table.Target} in the target.");
            }

            if (!report.Verification.Ok)
            {
                await o.Error.WriteLineAsync($"The copy fails verification: {report.Verification.Problems.Count} problem(s).");
            }

            return report.Ok ? LedgerCommand.Ok : LedgerCommand.BusinessFailure;
        });
        return [command];
    }

    private static string Location(string value, string option) =>
        string.IsNullOrWhiteSpace(value) ? throw new SettingsException($"{option} must not be empty (it names a SQLite file or a postgresql:// database)") : value;

    private static JsonObject Json(StoreMigrationReport report) => new()
    {
        ["ok"] = report.Ok,
        ["from"] = report.Source,
        ["to"] = report.Target,
        ["rows"] = report.Rows,
        ["elapsed_ms"] = (long)report.Elapsed.TotalMilliseconds,
        ["counts_match"] = report.CountsMatch,
        ["verified"] = report.Verification.Ok,
        ["tables"] = Wire.Array(report.Tables, t => new JsonObject { ["table"] = t.Table, ["source"] = t.Source, ["target"] = t.Target }),
        ["verification"] = ResultJson.Verification(report.Verification),
    };
}
