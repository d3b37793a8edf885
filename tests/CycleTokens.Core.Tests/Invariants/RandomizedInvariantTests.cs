using System.Globalization;
using System.Text.Json;
using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CycleTokens.Core.Tests.Invariants;

/// <summary>
/// Thousands of random calls over a few accounts and two connections, with a fake clock that crosses many
/// month boundaries. After every step the journal must balance, every stored balance must equal its postings
/// and the model's prediction, and nothing payable may be negative; the hash chain is verified regularly.
/// Replay a failure with <c>CYCLETOKENS_SEED=&lt;seed&gt;</c>; <c>CYCLETOKENS_LONG_TESTS=1</c> runs ten times longer.
/// </summary>
public sealed class RandomizedInvariantTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20_260_315;

    private static readonly string[] UserIds = ["u1", "u2", "u3", "u4", "u5"];

    // Prices written out from pricing.json; the last name is not in the catalogue (default price 5).
    private static readonly (string Name, long Price)[] Operations =
    [
        ("model.export.step", 10),
        ("model.export.json", 1),
        ("analysis.weight", 2),
        ("ai.design_review", 15),
        ("cam.cnc_toolpath", 75),
        ("model.download.full_ip", 1000),
        ("marketplace.publish", 0),
        ("custom.unknown_op", 5),
    ];

    // Params as sent, and the identity of their canonical form: null and {} are the same, key order does not matter.
    private static readonly (string? Json, string Canonical)[] ParamsPool =
    [
        (null, "{}"),
        ("{}", "{}"),
        ("{\"a\":1,\"b\":[2,3]}", "a1b23"),
        ("{ \"b\": [2, 3], \"a\": 1 }", "a1b23"),
        ("{\"part\":\"bracket\",\"opts\":{\"y\":2,\"x\":1}}", "bracket"),
        ("{\"opts\":{\"x\":1,\"y\":2},\"part\":\"bracket\"}", "bracket"),
        ("{\"a\":2}", "a2"),
    ];

    private static readonly string?[] Creators = [null, null, "bob", "studio.x", "c_3"];
    private static readonly string[] Fabs = ["fab_1", "shop.two"];
    private static readonly int?[] ExpiryHours = [null, null, 1, 2, 5, 24, 72, 8760];
    private static readonly long[] PurchaseSizes = [10, 1000, 5000, 10000, 250];
    private static readonly string[] Methods = ["card", "usdc", "eth", "btc"];
    // Mostly long enough to outlive the clock's usual step (up to 20 minutes), so settles and voids find them held.
    private static readonly int?[] ReservationSeconds = [null, 30, 60, 3600, 3600, 86_400, 86_400];

    private readonly List<LedgerEvent> _events = [];
    private readonly List<string> _debitIds = [];
    private readonly List<string> _grantIds = [];
    private readonly List<string> _escrowIds = [];
    private readonly List<string> _purchaseIds = [];
    private readonly List<string> _reservationIds = [];
    private readonly SortedDictionary<string, int> _tally = new(StringComparer.Ordinal);
    private LedgerModel _model = new();
    private Random _random = null!;
    private TokenLedger[] _ledgers = null!;
    private FakeTimeProvider[] _clocks = null!;
    private int _current;
    private int _midnightSteps;
    private int _keyedCalls;
    private JournalProbe _probe = null!;
    private LedgerException? _lastFailure;
    private string _focus = UserIds[0];
    private (string Name, long Price, string? Json, string Canonical) _lastCharge = (Operations[0].Name, Operations[0].Price, null, "{}");
    private int _seed;
    private int _step;
    private string _what = "start";
    private string _op = "start";

    private static bool LongRun => Environment.GetEnvironmentVariable("CYCLETOKENS_LONG_TESTS") == "1";

    /// <summary>The connection this step calls (retries of a key go to either).</summary>
    private TokenLedger Ledger => _ledgers[_current];

    /// <summary>The clock of the connection this step calls.</summary>
    private DateTimeOffset Now => _clocks[_current].GetUtcNow();

    private string Where => $"seed {_seed}, step {_step} ({_what}, connection {_current} at {Now:yyyy-MM-dd HH:mm:ss})";

    [Fact]
    public Task RandomOperations_DefaultSeed_KeepEveryInvariant() =>
        RunAsync(SeedFromEnvironment() ?? DefaultSeed, LongRun ? 30_000 : 3_000);

    [Theory]
    [InlineData(1)]
    [InlineData(424_242)]
    public Task RandomOperations_MoreSeeds_KeepEveryInvariant(int seed) =>
        RunAsync(seed, LongRun ? 15_000 : 1_200);

    private static int? SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("CYCLETOKENS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : null;

    private async Task RunAsync(int seed, int steps)
    {
        _seed = seed;
        _random = new Random(seed);
        output.WriteLine($"seed {seed}, {steps} steps (replay with CYCLETOKENS_SEED={seed})");
        var options = new LedgerOptions { DatabasePath = "unused", Synchronous = SynchronousMode.Normal };
        using var t = new TestLedger(options);
        // A second connection, as a second server process would hold, whose clock lags by up to thirty seconds.
        var lagging = new FakeTimeProvider(t.Clock.GetUtcNow());
        _clocks = [t.Clock, lagging];
        _ledgers = [t.Ledger, t.OpenAnother(lagging, "b")];
        foreach (var ledger in _ledgers)
        {
            ledger.EventRaised += (_, e) => _events.Add(e);
        }

        var verifyEvery = Math.Max(10, steps / 300);
        using var probe = new JournalProbe(t.DatabasePath);
        _probe = probe;
        try
        {
            for (_step = 1; _step <= steps; _step++)
            {
                AdvanceClocks();
                _current = _random.Next(_ledgers.Length);
                await RandomCallAsync();
                // The SQL invariants and the model after every step; the whole-journal checks (linear in its length) less often.
                await CheckInvariantsAsync(verify: _step % verifyEvery == 0, full: _step % (verifyEvery * 5) == 0);
            }

            _what = "final check";
            await CheckInvariantsAsync(verify: true, full: true);
        }
        catch (Exception ex) when (ex is not XunitException)
        {
            throw new InvalidOperationException($"{Where}: unexpected {ex.GetType().Name}: {ex.Message}", ex);
        }

        output.WriteLine(
            $"seed {seed}: {_model.Transactions} transactions up to {Now:yyyy-MM-dd}, {_model.MonthResets} month resets, " +
            $"{_model.ExpiredEscrows} expired escrows, {_model.ExpiredReservations} expired reservations, {_model.Clears} clears, " +
            $"{_model.LaggingTouches} touches by a clock behind the user's month, {_events.Count} events");
        foreach (var (outcome, count) in _tally)
        {
            output.WriteLine($"  {outcome}: {count}");
        }
    }

    private void AdvanceClocks()
    {
        var clock = _clocks[0];
        var roll = _random.Next(100);
        if (_midnightSteps > 0)
        {
            // Around midnight of the 1st: seconds apart, so the lagging clock still sees the old month at times.
            _midnightSteps--;
            clock.Advance(TimeSpan.FromSeconds(_random.Next(0, 4)));
        }
        else if (roll < 2)
        {
            var next = LedgerModel.MonthStart(LedgerModel.MonthKey(clock.GetUtcNow()) + 1);
            var target = next.AddSeconds(-_random.Next(1, 6));
            if (target > clock.GetUtcNow())
            {
                clock.SetUtcNow(target);
                _midnightSteps = _random.Next(5, 15);
            }
        }
        else
        {
            clock.Advance(roll switch
            {
                < 70 => TimeSpan.FromSeconds(_random.Next(0, 20 * 60)),
                < 92 => TimeSpan.FromMinutes(_random.Next(60, 600)),
                _ => TimeSpan.FromHours(_random.Next(24, 72)),
            });
        }

        // The other connection's clock follows up to thirty seconds behind (never going back).
        var lagging = clock.GetUtcNow().AddSeconds(-_random.Next(0, 31));
        if (lagging > _clocks[1].GetUtcNow())
        {
            _clocks[1].SetUtcNow(lagging);
        }
    }

    private async Task RandomCallAsync()
    {
        // 0-99: the calls of the product spec; 100-119: reservations (agent-billing spec §1).
        var roll = _random.Next(120);
        switch (roll)
        {
            case >= 100 and < 107: await ReserveAsync(); break;
            case >= 107 and < 117 when _reservationIds.Count > 0: await SettleOrVoidAsync(); break;
            case >= 117 and < 120: await SweepAsync(); break;
            case >= 100: await ReserveAsync(); break;
            case < 30: await ChargeAsync(); break;
            case < 40: await SpendAsync(); break;
            case < 46: await GrantAsync(); break;
            case < 55: await CreateEscrowAsync(); break;
            case < 63 when _escrowIds.Count > 0: await ReleaseOrCancelEscrowAsync(); break;
            case < 68: await CreatePurchaseAsync(); break;
            case < 73 when _purchaseIds.Count > 0: await CompletePurchaseAsync(); break;
            case < 82 when _debitIds.Count > 0: await RefundAsync(); break;
            case < 85: await SetTierAsync(); break;
            case < 91: await ReadBalanceAsync(); break;
            case < 95: await EstimateAsync(); break;
            case < 96: await ClearAsync(); break;
            default: await ChargeAsync(); break;
        }
    }

    private async Task ChargeAsync()
    {
        var account = PickUser();
        var (operation, price) = Pick(Operations);
        var (json, canonical) = Pick(ParamsPool);
        if (_random.Next(100) < 40)
        {
            (operation, price, json, canonical) = _lastCharge;
        }

        _lastCharge = (operation, price, json, canonical);
        var quantity = PickQuantity();
        var creator = Pick(Creators);
        Describe("charge", $"charge {account} {operation} x{quantity} params {json ?? "null"} creator {creator ?? "none"}");
        var request = new ChargeRequest(operation) { Params = ParseOrNull(json), Quantity = quantity, CreatorId = creator };
        await KeyedAsync(
            account,
            (ledger, key) => ledger.ChargeAsync(account, request with { IdempotencyKey = key }),
            m => m.Charge(account, operation, price, canonical, quantity, creator, Now),
            (m, expected, result) =>
            {
                var (quote, debit) = expected;
                Same(quote.Cached, result.Cached, "cache discount applied");
                Tally(result.Cached ? "ok, cached" : result.BatchDiscountPct > 0 ? "ok, batch discount" : "ok, full price");
                Same(quote.UnitPrice, result.UnitPrice, "unit price");
                Same(quote.BatchDiscountPct, result.BatchDiscountPct, "batch discount");
                Same(debit.Total, result.Charged, "tokens charged");
                Same(debit.CreatorShare, result.CreatorShare, "creator share");
                Same(debit.PlatformShare, result.PlatformShare, "platform share");
                Same(m.Users[account].Balance, result.BalanceAfter, "balance after");
                m.AddDebit(debit with { Id = result.TransactionId });
                _debitIds.Add(result.TransactionId);
            },
            (ledger, key) => ledger.ChargeAsync(account, request with { IdempotencyKey = key, Quantity = quantity + 1 }),
            r => r with { Replayed = true });
    }

    private async Task SpendAsync()
    {
        var account = PickUser();
        var amount = _random.Next(100) < 80 ? _random.Next(1, 300) : _random.Next(300, 5000);
        Describe("spend", $"spend {account} {amount}");
        await KeyedAsync(
            account,
            (ledger, key) => ledger.SpendAsync(account, amount, "render.job", null, key),
            m => m.Spend(account, amount, Now),
            (m, debit, result) =>
            {
                Same(amount, result.Charged, "tokens spent");
                Same(m.Users[account].Balance, result.BalanceAfter, "balance after");
                m.AddDebit(debit with { Id = result.TransactionId });
                _debitIds.Add(result.TransactionId);
            },
            (ledger, key) => ledger.SpendAsync(account, amount + 1, "render.job", null, key),
            r => r with { Replayed = true });
    }

    private async Task GrantAsync()
    {
        var account = PickUser();
        var amount = _random.Next(1, 2000);
        var source = _random.Next(2) == 0 ? "grant" : "bonus";
        Describe("grant", $"grant {account} {amount} ({source})");
        await KeyedAsync(
            account,
            (ledger, key) => ledger.GrantAsync(account, amount, source, null, key),
            m => m.Grant(account, amount, Now),
            (m, balance, result) =>
            {
                Same(balance, result.BalanceAfter, "balance after");
                m.AddGrant(result.TransactionId);
                _grantIds.Add(result.TransactionId);
            },
            (ledger, key) => ledger.GrantAsync(account, amount + 1, source, null, key),
            r => r with { Replayed = true });
    }

    private async Task CreateEscrowAsync()
    {
        var account = PickUser();
        var amount = _random.Next(1, 700);
        var fab = Pick(Fabs);
        var hours = Pick(ExpiryHours);
        Describe("escrow create", $"escrow create {account} {amount} at {fab}, expires in {hours?.ToString(CultureInfo.InvariantCulture) ?? "never"} h");
        var request = new EscrowRequest(amount, $"job-{_step}", fab) { ExpiresInHours = hours };
        await KeyedAsync(
            account,
            (ledger, key) => ledger.CreateEscrowAsync(account, request with { IdempotencyKey = key }),
            m => m.CreateEscrow(account, amount, fab, hours, Now),
            (m, escrow, result) =>
            {
                Same(EscrowStatus.Held, result.Escrow.Status, "escrow status");
                Same(amount, result.Escrow.Amount, "escrow amount");
                Same(m.Users[account].Balance, result.BalanceAfter, "balance after");
                m.AddEscrow(escrow with { Id = result.Escrow.Id });
                _escrowIds.Add(result.Escrow.Id);
            },
            (ledger, key) => ledger.CreateEscrowAsync(account, request with { IdempotencyKey = key, Amount = amount + 1 }),
            r => r with { Replayed = true });
    }

    private async Task ReleaseOrCancelEscrowAsync()
    {
        var held = _model.Escrows.Values.Where(e => e.Status == EscrowStatus.Held).Select(e => e.Id).ToList();
        var id = held.Count > 0 && _random.Next(100) < 70 ? Pick(held) : Pick(_escrowIds);
        var owner = _model.Escrows[id].Account;
        var account = _random.Next(100) < 85 ? owner : Pick(UserIds);
        var release = _random.Next(2) == 0;
        Describe(release ? "escrow release" : "escrow cancel", $"escrow {(release ? "release" : "cancel")} {id} by {account} (owner {owner})");
        if (release)
        {
            await KeyedAsync(
                account,
                (ledger, key) => ledger.ReleaseEscrowAsync(account, id, key),
                m => m.ReleaseEscrow(account, id, Now),
                (m, balance, result) =>
                {
                    Same(EscrowStatus.Released, result.Escrow.Status, "escrow status");
                    Same(balance, result.BalanceAfter, "balance after");
                },
                null,
                r => r with { Replayed = true });
        }
        else
        {
            await KeyedAsync(
                account,
                (ledger, key) => ledger.CancelEscrowAsync(account, id, key),
                m => m.CancelEscrow(account, id, Now),
                (m, balance, result) =>
                {
                    Same(EscrowStatus.Cancelled, result.Escrow.Status, "escrow status");
                    Same(balance, result.BalanceAfter, "balance after");
                },
                null,
                r => r with { Replayed = true });
        }
    }

    private async Task CreatePurchaseAsync()
    {
        var account = PickUser();
        var tokens = Pick(PurchaseSizes);
        var method = Pick(Methods);
        Describe("purchase", $"purchase {account} {tokens} by {method}");
        await KeyedAsync(
            account,
            (ledger, key) => ledger.CreatePurchaseAsync(account, tokens, method, key),
            m => m.CreatePurchase(account, Now),
            (m, balance, result) =>
            {
                Same(balance, result.BalanceAfter, "balance after");
                Same(tokens switch { 1000 => 1000L, 5000 => 5000L, 10000 => 9000L, _ => tokens }, result.Purchase.AmountCents, "price in cents");
                m.AddPurchase(new ModelPurchase(result.Purchase.Id, account, tokens, Completed: false));
                _purchaseIds.Add(result.Purchase.Id);
            },
            (ledger, key) => ledger.CreatePurchaseAsync(account, tokens + 1, method, key),
            r => r with { Replayed = true });
    }

    private async Task CompletePurchaseAsync()
    {
        var pending = _model.Purchases.Values.Where(p => !p.Completed).Select(p => p.Id).ToList();
        var id = pending.Count > 0 && _random.Next(100) < 75 ? Pick(pending) : Pick(_purchaseIds);
        Describe("complete purchase", $"complete purchase {id}");
        await ApplyAsync(
            null,
            m => m.CompletePurchase(id, Now),
            () => Ledger.CompletePurchaseAsync(id),
            (m, expected, result) =>
            {
                Same(expected.Replayed, result.Replayed, "purchase completed before");
                Same(expected.Balance, result.BalanceAfter, "balance after");
            });
    }

    private async Task RefundAsync()
    {
        var id = _grantIds.Count > 0 && _random.Next(100) < 5 ? Pick(_grantIds)
            : _random.Next(100) < 70 ? _debitIds[Math.Max(0, _debitIds.Count - 1 - _random.Next(40))]
            : Pick(_debitIds);
        Describe("refund", $"refund {id}");
        await KeyedAsync(
            null,
            (ledger, key) => ledger.RefundAsync(id, "random refund", key),
            m => m.Refund(id, Now),
            (m, expected, result) =>
            {
                Same(expected.Refunded, result.Refunded, "tokens refunded");
                Same(expected.Expired, result.Expired, "tokens expired instead");
                Tally(expected.Expired > 0 ? "ok, allowance part of an ended month expired" : "ok, all returned");
                Same(expected.BalanceAfter, result.BalanceAfter, "balance after");
            },
            (ledger, key) => ledger.RefundAsync(id, "another reason", key),
            r => r with { Replayed = true });
    }

    private async Task SetTierAsync()
    {
        var account = PickUser();
        var tier = Pick([Tier.Free, Tier.Free, Tier.Pro, Tier.Pro, Tier.Enterprise]);
        Describe("set tier", $"set tier {account} {tier}");
        await ApplyAsync(
            account,
            m => m.SetTier(account, tier, Now),
            () => Ledger.SetTierAsync(account, tier),
            (m, expected, result) =>
            {
                Same(expected.Changed, result.Changed, "tier changed");
                Same(expected.OldTier, result.OldTier, "old tier");
                Same(tier, result.NewTier.Tier, "new tier");
                Same(expected.Balance, result.Balance, "balance after");
            });
    }

    private async Task ReadBalanceAsync()
    {
        var account = PickUser();
        Describe("balance", $"balance {account}");
        await ApplyAsync(
            account,
            m => m.Balance(account, Now),
            () => Ledger.GetBalanceAsync(account),
            (m, expected, result) =>
            {
                Same(expected.User.Balance, result.Total, "balance");
                Same(expected.User.Allowance, result.Allowance, "allowance");
                Same(expected.User.Purchased, result.Purchased, "purchased");
                Same(expected.Held, result.HeldInEscrow, "held in escrow");
                Same(expected.HeldInReservations, result.HeldInReservations, "held in reservations");
                Same(expected.User.Tier, result.Tier.Tier, "tier");
                Same(expected.UsedThisMonth, result.UsedThisMonth, "used this month");
                Same(LedgerModel.MonthStart(expected.User.MonthKey), result.MonthStart, "month start");
            });
    }

    private async Task EstimateAsync()
    {
        var account = PickUser();
        var (operation, price) = Pick(Operations);
        var (json, canonical) = Pick(ParamsPool);
        var quantity = PickQuantity();
        Describe("estimate", $"estimate {account} {operation} x{quantity} params {json ?? "null"}");
        await ApplyAsync(
            account,
            m => m.Quote(account, operation, price, canonical, quantity, Now),
            () => Ledger.EstimateAsync(account, operation, ParseOrNull(json), quantity),
            (m, expected, result) =>
            {
                Same(expected.Cached, result.Cached, "cache discount applies");
                Same(expected.UnitPrice, result.UnitPrice, "unit price");
                Same(expected.Total, result.TotalPrice, "total price");
                Same(expected.Balance, result.Balance, "balance");
            });
    }

    private async Task ClearAsync()
    {
        var account = PickUser();
        Describe("clear", $"clear {account}");
        await ApplyAsync(
            account,
            m => m.Clear(account, Now),
            () => Ledger.ClearAccountAsync(account, "clear " + account),
            (m, expected, result) =>
            {
                Same(expected.Cleared, result.ClearedTokens, "tokens cleared");
                Same(expected.CancelledEscrows, result.CancelledEscrows, "escrows cancelled");
                Same(expected.BalanceAfter, result.BalanceAfter, "balance after");
            });
    }

    private async Task ReserveAsync()
    {
        var account = PickUser();
        var (operation, price) = Pick(Operations);
        var (json, canonical) = Pick(ParamsPool);
        if (_random.Next(100) < 40)
        {
            (operation, price, json, canonical) = _lastCharge;
        }

        var quantity = PickQuantity();
        var creator = Pick(Creators);
        var seconds = Pick(ReservationSeconds);
        Describe("reserve", $"reserve {account} {operation} x{quantity} params {json ?? "null"} creator {creator ?? "none"} for {seconds?.ToString(CultureInfo.InvariantCulture) ?? "default"} s");
        var request = new ReservationRequest(operation) { Params = ParseOrNull(json), Quantity = quantity, CreatorId = creator, ExpiresInSeconds = seconds };
        await KeyedAsync(
            account,
            (ledger, key) => ledger.ReserveAsync(account, request with { IdempotencyKey = key }),
            m => m.Reserve(account, operation, price, canonical, quantity, creator, seconds, Now),
            (m, expected, result) =>
            {
                var (quote, reservation) = expected;
                Same(quote.UnitPrice, result.Reservation.UnitPrice, "reserved unit price");
                Same(quote.Total, result.Reservation.Held, "tokens held");
                Same(ReservationStatus.Held, result.Reservation.Status, "reservation status");
                Same(m.Users[account].Balance, result.BalanceAfter, "balance after");
                m.AddReservation(reservation with { Id = result.Reservation.Id });
                _reservationIds.Add(result.Reservation.Id);
            },
            (ledger, key) => ledger.ReserveAsync(account, request with { IdempotencyKey = key, Quantity = quantity + 1 }),
            r => r with { Replayed = true });

        // The operation ran (or failed) at once: settle or void the new reservation before the clock moves.
        if (_random.Next(100) < 30 && _reservationIds.Count > 0 && _model.Reservations[_reservationIds[^1]].Status == ReservationStatus.Held)
        {
            await SettleOrVoidAsync(_reservationIds[^1]);
        }
    }

    private async Task SettleOrVoidAsync(string? latest = null)
    {
        var held = _model.Reservations.Values.Where(r => r.Status == ReservationStatus.Held).Select(r => r.Id).ToList();
        var id = latest ?? (held.Count > 0 && _random.Next(100) < 75 ? Pick(held) : Pick(_reservationIds));
        var owner = _model.Reservations[id].Account;
        var reserved = _model.Reservations[id].Quantity;
        var account = _random.Next(100) < 85 ? owner : Pick(UserIds);
        if (_random.Next(100) < 30)
        {
            Describe("reservation void", $"void {id} by {account} (owner {owner})");
            await KeyedAsync(
                account,
                (ledger, key) => ledger.VoidReservationAsync(account, id, key),
                m => m.Void(account, id, Now),
                (m, expected, result) =>
                {
                    Same(ReservationStatus.Voided, result.Reservation.Status, "reservation status");
                    Same(expected.Released, result.Reservation.Released, "tokens returned");
                    Same(expected.Expired, result.Reservation.Expired, "tokens expired instead");
                    Same(expected.Balance, result.BalanceAfter, "balance after");
                },
                null,
                r => r with { Replayed = true });
            return;
        }

        int? quantity = _random.Next(100) switch
        {
            < 40 => null,
            < 50 => 0,
            < 55 => reserved + 1,
            _ => _random.Next(1, reserved + 1),
        };
        Describe("reservation settle", $"settle {id} x{quantity?.ToString(CultureInfo.InvariantCulture) ?? "all"} of {reserved} by {account} (owner {owner})");
        await KeyedAsync(
            account,
            (ledger, key) => ledger.SettleReservationAsync(account, id, quantity, null, key),
            m => m.Settle(account, id, quantity, Now),
            (m, expected, result) =>
            {
                Same(expected.Status, result.Reservation.Status, "reservation status");
                Same(expected.Released, result.Reservation.Released, "tokens returned");
                Same(expected.Expired, result.Reservation.Expired, "tokens expired instead");
                Same(expected.Balance, result.BalanceAfter, "balance after");
                Same(expected.Debit?.Total, result.Charge?.Charged, "tokens charged");
                if (expected.Debit is { } debit)
                {
                    Tally(expected.Expired > 0 ? "ok, settled after its month ended" : expected.Released > 0 ? "ok, settled in part" : "ok, settled in full");
                    Same(debit.CreatorShare, result.Charge!.CreatorShare, "creator share");
                    m.AddDebit(debit with { Id = result.Charge.TransactionId });
                    _debitIds.Add(result.Charge.TransactionId);
                }
            },
            (ledger, key) => ledger.SettleReservationAsync(account, id, (quantity ?? reserved) + 1, null, key),
            r => r with { Replayed = true });
    }

    private async Task SweepAsync()
    {
        Describe("sweep", "expire due reservations of every account");
        await ApplyAsync(
            null,
            m => m.Sweep(Now),
            () => Ledger.ExpireDueReservationsAsync(),
            (m, expected, result) =>
            {
                Same(expected, result, "reservations expired by the sweep");
                Tally(result > 0 ? "ok, expired some" : "ok, nothing due");
            });
    }

    /// <summary>
    /// A call that takes an idempotency key: sometimes keyed, and then sometimes retried at once on either
    /// connection (same outcome, marked replayed, nothing moves) or reused with other arguments (rejected).
    /// </summary>
    private async Task KeyedAsync<TExpected, TResult>(
        string? touch,
        Func<TokenLedger, string?, Task<TResult>> call,
        Func<LedgerModel, TExpected> predict,
        Action<LedgerModel, TExpected, TResult> confirm,
        Func<TokenLedger, string, Task<TResult>>? conflicting,
        Func<TResult, TResult> asReplayed)
    {
        // A step may make more than one call (a reservation settled at once): each keyed call gets a key of its own.
        var key = _random.Next(100) < 35 ? $"key-{_step}-{++_keyedCalls}" : null;
        var ledger = Ledger;
        TResult? first = default;
        var succeeded = await ApplyAsync(touch, predict, async () => first = await call(ledger, key), confirm);
        if (key is null)
        {
            return;
        }

        if (_random.Next(100) < 30)
        {
            var what = _what;
            _what = what + " [retried with the same key]";
            Tally("retried with its key");
            if (succeeded)
            {
                var again = await call(TouchOther(touch), key);
                Check(Equals(asReplayed(first!), again), $"the retry returned {again}, expected the first result replayed: {asReplayed(first!)}");
            }
            else
            {
                var retry = TouchOther(touch);
                var error = await FailureOf(() => call(retry, key));
                Check(error is not null, "the retry of a failed call succeeded");
                Check(error!.Replayed, "the retry's failure is not marked replayed");
                Same(_lastFailure!.Code, error.Code, "replayed failure code");
                Same(_lastFailure.Message, error.Message, "replayed failure message");
            }

            _what = what;
        }

        if (conflicting is not null && _random.Next(100) < 10)
        {
            var what = _what;
            _what = what + " [key reused with other arguments]";
            Tally("key reused with other arguments");
            var other = TouchOther(touch);
            var error = await FailureOf(() => conflicting(other, key));
            Check(error is not null, "reusing the key with other arguments succeeded");
            Same(LedgerErrorCode.IdempotencyKeyReused, error!.Code, "failure code");
            _what = what;
        }
    }

    /// <summary>
    /// Runs one call on the model (a clone) and on the engine; both must succeed or fail alike. The lazy work a
    /// call owes an existing user (month reset, escrow expiry) is committed first, whatever the call's outcome.
    /// </summary>
    private async Task<bool> ApplyAsync<TExpected, TResult>(
        string? touch,
        Func<LedgerModel, TExpected> predict,
        Func<Task<TResult>> act,
        Action<LedgerModel, TExpected, TResult> confirm)
    {
        if (touch is not null)
        {
            _model.TouchExisting(touch, Now);
        }

        var draft = _model.Clone();
        TExpected? expected = default;
        ModelFailure? failure = null;
        try
        {
            expected = predict(draft);
        }
        catch (ModelFailure f)
        {
            failure = f;
        }

        TResult result;
        try
        {
            result = await act();
        }
        catch (LedgerException ex)
        {
            Check(failure is not null, $"failed with {ex.Code} \"{ex.Message}\" where the model expected success");
            Same(failure!.Code, ex.Code, $"failure code (message \"{ex.Message}\")");
            if (failure.ExactMessage is not null)
            {
                Same(failure.ExactMessage, ex.Message, "failure message");
            }

            Check(!ex.Replayed, "a first call's failure is marked replayed");
            _lastFailure = ex;
            Tally(ex.Code.ToString());
            return false;
        }

        Check(failure is null, $"succeeded ({result}) where the model expected {failure?.Code} \"{failure?.Message}\"");
        confirm(draft, expected!, result);
        _model = draft;
        Tally("ok");
        return true;
    }

    private static async Task<LedgerException?> FailureOf<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (LedgerException ex)
        {
            return ex;
        }
    }

    private async Task CheckInvariantsAsync(bool verify, bool full)
    {
        var problems = _probe.Advance();
        Check(problems.Count == 0, "journal invariants broken:\n" + string.Join("\n", problems));
        Same(_model.Transactions, _probe.LastSeq, "transactions in the journal");
        CompareAccounts();
        CompareEvents();

        if (full)
        {
            var found = _probe.FullCheck();
            Check(found.Count == 0, "SQL invariant checks found violations:\n" + string.Join("\n", found));
        }

        if (verify)
        {
            var report = await PickLedger().VerifyAsync();
            Check(report.Ok && report.HashChainOk && report.PostingsSum == 0, "verification failed:\n" + string.Join("\n", report.Problems));
            Same(_model.Transactions, report.Transactions, "transactions verified");
        }
    }

    private void CompareAccounts()
    {
        var stored = _probe.Accounts;
        foreach (var (id, user) in _model.Users)
        {
            Check(stored.TryGetValue(id, out var row) && row.Kind == "user", $"user {id} has no row");
            Same(user.Allowance, row!.Allowance, $"{id} allowance");
            Same(user.Purchased, row.Purchased, $"{id} purchased");
            Same(user.Balance, row.Balance, $"{id} balance");
            Same(user.Tier.ToString().ToUpperInvariant(), row.Tier, $"{id} tier");
            Same<long?>(user.MonthKey, row.MonthKey, $"{id} month");
        }

        foreach (var (id, balance) in _model.Others)
        {
            Same(balance, stored.TryGetValue(id, out var row) ? row.Balance : 0, $"{id} balance");
        }

        foreach (var row in stored.Values)
        {
            switch (row.Kind)
            {
                case "user":
                    Check(_model.Users.ContainsKey(row.Id), $"unexpected user {row.Id}");
                    break;
                case "hold":
                    var reservationId = row.Id["hold:".Length..];
                    Check(_model.Reservations.TryGetValue(reservationId, out var reservation), $"unexpected hold account {row.Id}");
                    Same(reservation!.Status == ReservationStatus.Held ? reservation.Held : 0, row.Balance, $"{row.Id} balance ({reservation.Status})");
                    break;
                case "escrow":
                    var escrowId = row.Id["escrow:".Length..];
                    Check(_model.Escrows.TryGetValue(escrowId, out var escrow), $"unexpected escrow account {row.Id}");
                    Same(escrow!.Status == EscrowStatus.Held ? escrow.Amount : 0, row.Balance, $"{row.Id} balance ({escrow.Status})");
                    break;
                default:
                    Same(_model.Others.GetValueOrDefault(row.Id), row.Balance, $"{row.Id} balance");
                    break;
            }
        }
    }

    private void CompareEvents()
    {
        Same(_model.MonthResets, _events.Count(e => e.Name == LedgerEventNames.MonthReset), "month-reset events");
        Same(_model.Clears, _events.Count(e => e.Name == LedgerEventNames.DataCleared), "data-cleared events");
        Same(_model.Spent, _events.Count(e => e.Name == LedgerEventNames.TokenSpent), "token-spent events");
        Same(
            _model.ExpiredEscrows,
            _events.Count(e => e.Name == LedgerEventNames.EscrowCancelled && Equals(e.Data.GetValueOrDefault("reason"), "expired")),
            "escrow-cancelled events for expiry");
        Same(_model.ExpiredReservations, _events.Count(e => e.Name == LedgerEventNames.ReservationExpired), "reservation-expired events");
    }

    private void Describe(string op, string what)
    {
        _op = op;
        _what = what;
    }

    private void Tally(string outcome) => _tally[$"{_op}: {outcome}"] = _tally.GetValueOrDefault($"{_op}: {outcome}") + 1;

    /// <summary>Calls come in bursts on one user (so repeats fall inside the 24-hour cache window), with others between.</summary>
    private string PickUser()
    {
        if (_random.Next(100) < 10)
        {
            _focus = Pick(UserIds);
        }

        return _random.Next(100) < 70 ? _focus : Pick(UserIds);
    }

    private TokenLedger PickLedger() => _ledgers[_random.Next(_ledgers.Length)];

    /// <summary>Picks a connection for a retry; the retry owes the user its lazy work by that connection's clock.</summary>
    private TokenLedger TouchOther(string? touch)
    {
        var index = _random.Next(_ledgers.Length);
        if (touch is not null)
        {
            _model.TouchExisting(touch, _clocks[index].GetUtcNow());
        }

        return _ledgers[index];
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private int PickQuantity() => _random.Next(100) switch
    {
        < 60 => 1,
        < 75 => _random.Next(2, 10),
        < 90 => _random.Next(10, 100),
        _ => _random.Next(100, 300),
    };

    private static JsonElement? ParseOrNull(string? json) => json is null ? null : TestLedger.Json(json);

    private void Same<T>(T expected, T actual, string what) =>
        Check(EqualityComparer<T>.Default.Equals(expected, actual), $"{what}: expected {expected}, got {actual}");

    private void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new XunitException($"{Where}: {message}");
        }
    }
}
