using CycleTokens.Core.Accounts;
using CycleTokens.Core.Charges;
using CycleTokens.Core.Pricing;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Pricing;

public sealed class PriceCatalogTests
{
    private const string CustomPricing = """
        {
          "token_value_eur": "0.01",
          "default_price": 3,
          "operations": { "custom.render": 7, "custom.free": 0, "custom.big": 400 },
          "tiers": {
            "FREE":       { "tokens_per_month": 50,   "price_eur_per_month": "0",    "creator_royalty_pct": 60 },
            "PRO":        { "tokens_per_month": 500,  "price_eur_per_month": "9.5",  "creator_royalty_pct": 75 },
            "ENTERPRISE": { "tokens_per_month": 5000, "price_eur_per_month": "99",   "creator_royalty_pct": 95 }
          },
          "cache_discount": { "window_hours": 1, "pay_pct": 50 },
          "batch_discounts": [ { "min_quantity": 5, "discount_pct": 20 } ],
          "purchase": {
            "min_tokens": 20,
            "packs": [ { "tokens": 100, "price_eur": "0.80" } ],
            "methods": ["card", "btc"]
          }
        }
        """;

    [Theory]
    [InlineData("model.download.mesh", 50)]
    [InlineData("model.download.parametric", 200)]
    [InlineData("model.download.full_ip", 1000)]
    [InlineData("model.export.step", 10)]
    [InlineData("model.export.stl", 2)]
    [InlineData("model.export.gltf", 3)]
    [InlineData("model.export.obj", 2)]
    [InlineData("model.export.json", 1)]
    [InlineData("model.export.dxf", 5)]
    [InlineData("ai.identify.part", 5)]
    [InlineData("ai.design_review", 15)]
    [InlineData("ai.suggest_material", 3)]
    [InlineData("ai.suggest_fastener", 4)]
    [InlineData("ai.generative_design", 50)]
    [InlineData("cam.slice.model", 20)]
    [InlineData("cam.cnc_toolpath", 75)]
    [InlineData("cam.laser_path", 30)]
    [InlineData("cam.foam_cut", 25)]
    [InlineData("fab.submit.job", 100)]
    [InlineData("fab.quote.request", 10)]
    [InlineData("fab.list.vendors", 5)]
    [InlineData("marketplace.publish", 0)]
    [InlineData("marketplace.list", 0)]
    [InlineData("marketplace.download", 25)]
    [InlineData("analysis.thermal", 20)]
    [InlineData("analysis.stress", 30)]
    [InlineData("analysis.clearance", 15)]
    [InlineData("analysis.weight", 2)]
    [InlineData("analysis.cost", 5)]
    [InlineData("collab.share", 0)]
    [InlineData("collab.comment", 0)]
    [InlineData("collab.workspace", 50)]
    public async Task Charge_CatalogueOperation_DebitsItsCataloguePrice(string operation, long price)
    {
        using var t = new TestLedger();

        Assert.Equal((price, PricedBy.Catalogue), t.Ledger.Catalog.PriceOf(operation));
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest(operation));

        Assert.Equal(price, charge.BasePrice);
        Assert.Equal(price, charge.Charged);
        Assert.Equal(PricedBy.Catalogue, charge.PricedBy);
        Assert.Equal(1000 - price, charge.BalanceAfter);
    }

    [Fact]
    public void BuiltIn_HasThe32OperationsFrom0To1000_SortedWithCategories()
    {
        var catalog = PriceCatalog.BuiltIn();

        Assert.Equal(32, catalog.Operations.Count);
        Assert.Equal(0, catalog.Operations.Min(o => o.Price));
        Assert.Equal(1000, catalog.Operations.Max(o => o.Price));
        Assert.Equal(catalog.Operations.Select(o => o.Operation).Order(StringComparer.Ordinal), catalog.Operations.Select(o => o.Operation));
        Assert.Equal(1762, catalog.Operations.Sum(o => o.Price));
        Assert.Equal(new CatalogOperation("cam.slice.model", 20, "cam"), catalog.Operations.Single(o => o.Operation == "cam.slice.model"));
        Assert.Equal(5, catalog.DefaultPrice);
    }

    [Fact]
    public void ListOperations_ByCategory_ReturnsOnlyThatCategory()
    {
        using var t = new TestLedger();

        var model = t.Ledger.ListOperations("model");
        var ai = t.Ledger.ListOperations("ai");

        Assert.Equal(9, model.Count);
        Assert.All(model, o => Assert.Equal("model", o.Category));
        Assert.Equal(
            ["ai.design_review", "ai.generative_design", "ai.identify.part", "ai.suggest_fastener", "ai.suggest_material"],
            ai.Select(o => o.Operation));
        Assert.Equal(32, t.Ledger.ListOperations().Count);
    }

    [Fact]
    public void BuiltIn_TiersDiscountsAndPurchaseTermsMatchPricingJson()
    {
        var catalog = PriceCatalog.BuiltIn();

        Assert.Equal(new TierInfo(Tier.Free, "FREE", 1000, "0.00", 70), catalog.Tiers[Tier.Free]);
        Assert.Equal(new TierInfo(Tier.Pro, "PRO", 10000, "49.00", 80), catalog.Tiers[Tier.Pro]);
        Assert.Equal(new TierInfo(Tier.Enterprise, "ENTERPRISE", 100000, "299.00", 90), catalog.Tiers[Tier.Enterprise]);
        Assert.Equal(TimeSpan.FromHours(24), catalog.CacheWindow);
        Assert.Equal(10, catalog.CachePayPct);
        Assert.Equal([new BatchDiscount(100, 50), new BatchDiscount(10, 25)], catalog.BatchDiscounts);
        Assert.Equal(10, catalog.PurchaseMinTokens);
        Assert.Equal([new PurchasePack(1000, 1000), new PurchasePack(5000, 5000), new PurchasePack(10000, 9000)], catalog.Packs);
        Assert.Equal(["card", "usdc", "eth", "btc"], catalog.Methods);
    }

    [Fact]
    public async Task Charge_UnknownOperation_IsPricedAtDefaultFive()
    {
        using var t = new TestLedger();

        var estimate = await t.Ledger.EstimateAsync("alice", "my.custom.operation");
        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("my.custom.operation"));

        Assert.Equal(PricedBy.Default, estimate.PricedBy);
        Assert.Equal(5, estimate.TotalPrice);
        Assert.Equal(PricedBy.Default, charge.PricedBy);
        Assert.Equal(5, charge.BasePrice);
        Assert.Equal(5, charge.Charged);
        Assert.Equal(995, charge.BalanceAfter);
    }

    [Fact]
    public async Task Charge_UnknownOperationWhenRejecting_FailsAndWritesNothing()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", RejectUnknownOperations = true });
        await t.Ledger.GetBalanceAsync("alice");
        var before = LedgerChecks.Counts(t.DatabasePath);

        var charge = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.ChargeAsync("alice", new ChargeRequest("my.custom.operation")));
        var estimate = await Assert.ThrowsAsync<LedgerException>(() => t.Ledger.EstimateAsync("alice", "my.custom.operation"));

        Assert.Equal(LedgerErrorCode.UnknownOperation, charge.Code);
        Assert.Equal("operation", charge.Field);
        Assert.Equal("operation \"my.custom.operation\" is not in the price catalogue", charge.Message);
        Assert.Equal(LedgerErrorCode.UnknownOperation, estimate.Code);
        Assert.Equal(before, LedgerChecks.Counts(t.DatabasePath));
        Assert.Equal(1000, (await t.Ledger.GetBalanceAsync("alice")).Total);
    }

    [Fact]
    public async Task Charge_KnownOperationWhenRejectingUnknown_IsCharged()
    {
        using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", RejectUnknownOperations = true });

        var charge = await t.Ledger.ChargeAsync("alice", new ChargeRequest("model.export.step"));

        Assert.Equal(10, charge.Charged);
        Assert.Equal(PricedBy.Catalogue, charge.PricedBy);
    }

    [Fact]
    public async Task PricingFile_ReplacesPricesTiersAndDiscounts()
    {
        var file = WriteTempFile(CustomPricing);
        try
        {
            using var t = new TestLedger(new LedgerOptions { DatabasePath = "unused", PricingFile = file });

            var balance = await t.Ledger.GetBalanceAsync("alice");
            var custom = await t.Ledger.ChargeAsync("alice", new ChargeRequest("custom.render") { CreatorId = "bob" });
            var formerlyKnown = await t.Ledger.EstimateAsync("alice", "model.export.step");
            var cached = await t.Ledger.EstimateAsync("alice", "custom.render", quantity: 5);

            Assert.Equal(3, t.Ledger.Catalog.Operations.Count);
            Assert.Equal(50, balance.Allowance);
            Assert.Equal(7, custom.Charged);
            Assert.Equal(4, custom.CreatorShare); // round_half_up(7 * 60 / 100) = round(4.2)
            Assert.Equal(3, custom.PlatformShare);
            Assert.Equal((3L, PricedBy.Default), (formerlyKnown.TotalPrice, formerlyKnown.PricedBy));
            Assert.True(cached.Cached);
            Assert.Equal(4, cached.UnitPrice); // ceil(7 * 50 / 100)
            Assert.Equal(20, cached.BatchDiscountPct);
            Assert.Equal(16, cached.TotalPrice); // ceil(4 * 5 * 80 / 100)
            Assert.Equal(1600, t.Ledger.Catalog.PurchasePriceCents(1600));
            Assert.Equal(80, t.Ledger.Catalog.PurchasePriceCents(100));
            Assert.Equal("9.50", t.Ledger.Catalog.Tiers[Tier.Pro].PriceEurPerMonth);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("\"custom.render\": -1", "custom.render")]
    [InlineData("\"custom.render\": 1.5", "custom.render")]
    [InlineData("\"custom.render\": 1000001", "custom.render")]
    [InlineData("\"Custom.Render\": 7", "Custom.Render")]
    public void Load_InvalidOperationEntry_IsRejectedNamingIt(string entry, string named)
    {
        var file = WriteTempFile(CustomPricing.Replace("\"custom.render\": 7", entry, StringComparison.Ordinal));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => PriceCatalog.Load(file));
            Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_MissingTier_IsRejected()
    {
        var file = WriteTempFile(CustomPricing.Replace("\"ENTERPRISE\"", "\"GOLD\"", StringComparison.Ordinal));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => PriceCatalog.Load(file));
            Assert.Equal("The price list has no tier ENTERPRISE.", ex.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string WriteTempFile(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "cycletokens-tests", "pricing-" + Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
