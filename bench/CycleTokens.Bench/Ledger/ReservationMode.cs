using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CycleTokens.Core;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Reservations;

namespace CycleTokens.Bench.Ledger;

/// <summary>
/// <c>reservations</c>: a reserve + settle round trip (agent-billing spec §1) against a plain charge of the same
/// operation, in the engine, in process. Drift-proof as item 1's interleaved run: every round times a block of charges
/// on one file, then a block of round trips on another, call by call, so a change in the disk or the load touches both
/// alike; the ratio is of the medians (and of the means). Goal: a round trip costs at most 2.2 charges.
/// </summary>
internal static class ReservationMode
{
    private static readonly Option<int> Rounds = new("--rounds") { Description = "Measured rounds (one unmeasured round comes first).", DefaultValueFactory = _ => 20 };
    private static readonly Option<int> Block = new("--block") { Description = "Charges, then round trips, per round.", DefaultValueFactory = _ => 200 };
    private static readonly Option<string> Sync = new("--sync") { Description = "full, normal or both.", DefaultValueFactory = _ => "both" };
    private static readonly Option<string> Work = new("--work") { Description = "Folder for the scratch files (on the disk to measure).", DefaultValueFactory = _ => "artifacts/bench/reservations" };

    public static Command Create()
    {
        var command = new Command("reservations", "A reserve + settle round trip against a plain charge, interleaved (the engine in process).");
        command.Options.Add(Rounds);
        command.Options.Add(Block);
        command.Options.Add(Sync);
        command.Options.Add(Work);
        command.SetAction(r =>
        {
            var modes = r.GetValue(Sync) == "both" ? [SynchronousMode.Full, SynchronousMode.Normal] : new[] { Share.ShareMode.ParseSync(r.GetValue(Sync)!) };
            Console.Out.Write(Run(r.GetValue(Rounds), r.GetValue(Block), modes, Path.GetFullPath(r.GetValue(Work)!)));
            return 0;
        });
        return command;
    }

    private static string Run(int rounds, int block, IReadOnlyList<SynchronousMode> modes, string work)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Reservations: {rounds} rounds of {block} charges then {block} reserve + settle round trips (after one unmeasured round), microseconds per call:");
        text.AppendLine();
        text.AppendLine("| synchronous | charge p50 | charge p90 | reserve p50 | settle p50 | round trip p50 | round trip p90 | round trip / charge (p50) | round trip / charge (mean) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var scratch = Directory.CreateDirectory(Path.Combine(work, "scratch"));
        LedgerRun.Scratch = scratch.FullName;
        try
        {
            foreach (var sync in modes)
            {
                Console.Error.WriteLine($"interleaved charges and reserve + settle round trips, {sync}");
                text.AppendLine(Measure(rounds, block, sync));
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string Measure(int rounds, int block, SynchronousMode sync)
    {
        var inv = CultureInfo.InvariantCulture;
        var parameters = JsonDocument.Parse("""{"part":1,"units":"mm"}""").RootElement;
        var charge = new ChargeRequest("model.export.step") { Params = parameters };
        var reserve = new ReservationRequest("model.export.step") { Params = parameters };
        var chargeFile = LedgerRun.NewFile($"res-charge-{sync}.db");
        var reserveFile = LedgerRun.NewFile($"res-reserve-{sync}.db");
        var charges = new List<double>();
        var reserves = new List<double>();
        var settles = new List<double>();
        var trips = new List<double>();
        using (var charging = LedgerRun.OpenNew(chargeFile, sync))
        using (var reserving = LedgerRun.OpenNew(reserveFile, sync))
        {
            LedgerRun.Run(charging.GrantAsync(Seed.User, 1_000_000_000_000));
            LedgerRun.Run(reserving.GrantAsync(Seed.User, 1_000_000_000_000));
            for (var r = -1; r < rounds; r++)
            {
                var measured = r >= 0;
                for (var i = 0; i < block; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    LedgerRun.Run(charging.ChargeAsync(Seed.User, charge));
                    Add(charges, start, measured);
                }

                for (var i = 0; i < block; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    var id = LedgerRun.Run(reserving.ReserveAsync(Seed.User, reserve)).Reservation.Id;
                    var reserved = Stopwatch.GetTimestamp();
                    LedgerRun.Run(reserving.SettleReservationAsync(Seed.User, id));
                    if (measured)
                    {
                        reserves.Add(Stopwatch.GetElapsedTime(start, reserved).TotalMicroseconds);
                        settles.Add(Stopwatch.GetElapsedTime(reserved).TotalMicroseconds);
                        trips.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                }
            }
        }

        LedgerRun.Delete(chargeFile);
        LedgerRun.Delete(reserveFile);
        var c = Summary.Of(charges);
        var t = Summary.Of(trips);
        return string.Create(
            inv,
            $"| {sync.ToString().ToUpperInvariant()} | {c.Median:0.0} | {c.P90:0.0} | {Summary.Of(reserves).Median:0.0} | {Summary.Of(settles).Median:0.0} | {t.Median:0.0} | {t.P90:0.0} | {t.Median / c.Median:0.00} | {t.Mean / c.Mean:0.00} |");

        static void Add(List<double> samples, long start, bool measured)
        {
            if (measured)
            {
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
        }
    }
}
