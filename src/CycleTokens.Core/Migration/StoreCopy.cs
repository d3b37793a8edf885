using System.Data.Common;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Ids;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Storage.Postgres;

namespace CycleTokens.Core.Migration;

/// <summary>
/// Copies every table of a ledger into an empty store: the source read in one snapshot (so it can stay in use), the
/// target written in one transaction under its write lock (so a failure leaves it empty and no other writer slips in).
/// </summary>
internal static class StoreCopy
{
    // Cancellation is checked every this many rows.
    private const int CheckEvery = 1000;

    /// <summary>Copies; returns where from and to (as shown) and each table's rows in the source snapshot and in the committed target.</summary>
    /// <exception cref="StoreCopyException">Refused or failed; nothing was committed to the target.</exception>
    /// <exception cref="LedgerUnavailableException">A PostgreSQL server went away, or a write lock was not granted in time.</exception>
    internal static (string Source, string Target, List<TableCount> Tables) Run(LedgerOptions source, LedgerOptions target, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            using var from = Open(source with { ReadOnly = true });
            from.Connection.BeginRead();
            try
            {
                // The source is checked before the target is touched: a source that cannot be copied creates no target.
                CheckSchema(from, "source");
                var counts = LedgerTables.All.Select(from.Tables.Count).ToArray();
                if (!PostgresLocation.IsPostgres(target.DatabasePath))
                {
                    ProbeFile(target);
                }

                using var to = Open(target with { ReadOnly = false });
                Copy(from, to, counts.Sum(), progress, cancellationToken);
                to.Connection.BeginRead();
                try
                {
                    var tables = LedgerTables.All.Select((t, i) => new TableCount(t.Name, counts[i], to.Tables.Count(t))).ToList();
                    return (from.Location, to.Location, tables);
                }
                finally
                {
                    to.Connection.Rollback();
                }
            }
            finally
            {
                from.Connection.Rollback();
            }
        }
        catch (Npgsql.NpgsqlException ex) when (PostgresSession.IsUnavailable(ex))
        {
            throw new LedgerUnavailableException("A PostgreSQL server became unavailable during the copy, or its write lock was not granted in time: nothing was committed to the target; run migrate-store again.", ex);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            // What the server said (a permission, a setting), never the connection string.
            throw new StoreCopyException(StoreCopyFailure.Failed, $"The copy failed ({Reason(ex)}): nothing was committed to the target.", ex);
        }
    }

    /// <summary>Fills the target in one write transaction from the source's open snapshot, or leaves it as it was.</summary>
    private static void Copy(LedgerStores from, LedgerStores to, long total, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        to.Connection.BeginWrite();
        try
        {
            CheckSchema(to, "target");
            RefuseIfOccupied(to, to.Location);
            long done = 0;
            foreach (var table in LedgerTables.All)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    to.Tables.Insert(table, Checked(table, from.Tables.Rows(table), from.Location, cancellationToken), rows =>
                    {
                        if (rows > 0)
                        {
                            done += rows;
                            progress?.Report(new WorkProgress(done, total));
                        }
                    });
                }
                catch (DbException ex) when (!PostgresSession.IsUnavailable(ex))
                {
                    throw Failed(table, to.Location, ex);
                }
            }

            if (total == 0)
            {
                progress?.Report(new WorkProgress(0, 0));
            }

            to.Tables.FinishCopy();
            // A SQLite source nobody else had open is read without locks: a writer that came meanwhile voids the copy.
            from.Connection.CheckUnlockedRead();
            to.Connection.Commit();
        }
        catch
        {
            to.Connection.Rollback();
            throw;
        }
    }

    /// <summary>
    /// Before a SQLite target is opened for writing (which creates side files and migrates an older file): an existing
    /// file must not hold ledger rows. Read-only, so a refused target is left exactly as it was.
    /// </summary>
    private static void ProbeFile(LedgerOptions target)
    {
        var full = Path.GetFullPath(target.DatabasePath);
        if (!File.Exists(full) || new FileInfo(full).Length == 0)
        {
            return;
        }

        LedgerStores probe;
        try
        {
            probe = Open(target with { ReadOnly = true });
        }
        catch (LedgerOpenException ex) when (ex.Failure == LedgerOpenFailure.NotALedger)
        {
            // An empty SQLite database (opening it for writing makes it a ledger) or another application's (which that refuses).
            return;
        }
        catch (LedgerOpenException ex) when (ex.Failure == LedgerOpenFailure.SchemaMismatch)
        {
            throw new StoreCopyException(
                StoreCopyFailure.TargetNotEmpty,
                $"The target {full} is already a ledger, of another schema version than this build's: migrate-store copies only into a new SQLite file or an empty database, and wrote nothing.",
                ex);
        }

        using (probe)
        {
            probe.Connection.BeginRead();
            try
            {
                RefuseIfOccupied(probe, full);
                probe.Connection.CheckUnlockedRead();
            }
            finally
            {
                probe.Connection.Rollback();
            }
        }
    }

    private static void RefuseIfOccupied(LedgerStores stores, string location)
    {
        var occupied = LedgerTables.All.Select(t => (t.Name, Rows: stores.Tables.Count(t))).Where(t => t.Rows > 0).ToList();
        if (occupied.Count > 0)
        {
            throw new StoreCopyException(
                StoreCopyFailure.TargetNotEmpty,
                $"The target {location} is not empty ({string.Join(", ", occupied.Select(t => $"{t.Rows} {(t.Rows == 1 ? "row" : "rows")} in {t.Name}"))}): migrate-store copies only into a new SQLite file or an empty database, and wrote nothing.");
        }
    }

    private static void CheckSchema(LedgerStores stores, string role)
    {
        if (LedgerTables.Differences(stores.Tables.Schema()) is [_, ..] differences)
        {
            throw new StoreCopyException(
                StoreCopyFailure.SchemaNotHandled,
                $"The {role} {stores.Location} does not have the schema this build copies ({string.Join("; ", differences)}): nothing was copied, rather than leave something behind.");
        }
    }

    /// <summary>The source's rows, each value checked against its column's kind; cancellation checked as they pass.</summary>
    private static IEnumerable<object?[]> Checked(LedgerTable table, IEnumerable<object?[]> rows, string source, CancellationToken cancellationToken)
    {
        var read = 0;
        foreach (var row in rows)
        {
            if (++read % CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (var i = 0; i < row.Length; i++)
            {
                var column = table.Columns[i];
                var fits = row[i] switch
                {
                    null => true,
                    long => column.Kind == ColumnKind.Integer,
                    string => column.Kind == ColumnKind.Text,
                    byte[] => column.Kind == ColumnKind.Blob,
                    _ => false,
                };
                if (!fits)
                {
                    var key = string.Join(", ", table.Key.Select(k => $"{k} {row[IndexOf(table, k)]}"));
                    throw new StoreCopyException(
                        StoreCopyFailure.BadValue,
                        $"The source {source} holds a {KindShown(row[i]!)} in {table.Name}.{column.Name} (the row with {key}), where {column.Kind.ToString().ToLowerInvariant()} belongs: nothing was copied; run 'cycletokens verify' on the source.");
                }
            }

            yield return row;
        }
    }

    private static int IndexOf(LedgerTable table, string column)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i].Name == column)
            {
                return i;
            }
        }

        return -1;
    }

    private static string KindShown(object value) => value switch
    {
        double or float or decimal => "fraction",
        string => "text",
        long => "integer",
        byte[] => "blob",
        _ => value.GetType().Name,
    };

    private static StoreCopyException Failed(LedgerTable table, string target, DbException ex)
    {
        return new StoreCopyException(StoreCopyFailure.Failed, $"Copying {table.Name} into {target} failed ({Reason(ex)}): nothing was committed to the target.", ex);
    }

    private static string Reason(DbException ex) => ex is Npgsql.PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : ex.Message;

    private static LedgerStores Open(LedgerOptions options) =>
        LedgerBackends.Open(options, TimeOrderedIdGenerator.Instance, new MonthCalendar(options.MonthTimeZone));
}
