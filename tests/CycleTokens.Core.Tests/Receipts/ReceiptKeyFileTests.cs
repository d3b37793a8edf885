using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>The key file: created owner-only on first use, refused when open to others or malformed, one ring under races.</summary>
public sealed class ReceiptKeyFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_WithoutAFile_CreatesItAndItsFolder_OwnerOnly()
    {
        var path = _folder.File(Path.Combine("settings", "ledger.db.receipt-keys.json"));

        using var ring = await ReceiptKeyRing.OpenAsync(path);

        Assert.True(File.Exists(path));
        Assert.Equal(path, ring.Path);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Open_TheSameFileAgain_LoadsTheSameKey()
    {
        var path = _folder.File("keys.json");
        using var first = await ReceiptKeyRing.OpenAsync(path);
        var jws = new ReceiptSigner(first).Sign(ReceiptTokens.Sample());

        using var second = await ReceiptKeyRing.OpenAsync(path);

        Assert.Equal(first.CurrentKid, second.CurrentKid);
        Assert.True(ReceiptVerifier.Verify(jws, JwkSet.Parse(second.PublicKeys())).IsValid);
    }

    [Fact]
    public async Task Open_AFileReadableByOthers_IsRefused_NamingThePath()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = _folder.File("keys.json");
        (await ReceiptKeyRing.OpenAsync(path)).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var e = await Assert.ThrowsAsync<ReceiptKeyException>(() => ReceiptKeyRing.OpenAsync(path));

        Assert.Equal(ReceiptKeyFailure.TooOpen, e.Failure);
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("644", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"version":1,"current":"k","keys":[]}""")]
    [InlineData("""{"version":2,"current":"k","keys":[]}""")]
    [InlineData("""{"version":1,"current":"k","keys":[{"kid":"k","x":"AAAA","y":"AAAA","d":null}]}""")]
    public async Task Open_AMalformedFile_IsRefused_NamingThePath(string content)
    {
        var path = _folder.File("keys.json");
        await File.WriteAllTextAsync(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var e = await Assert.ThrowsAsync<ReceiptKeyException>(() => ReceiptKeyRing.OpenAsync(path));

        Assert.Equal(ReceiptKeyFailure.Malformed, e.Failure);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_AFileWhoseKidWasEdited_IsRefused_WithoutQuotingTheKey()
    {
        var path = _folder.File("keys.json");
        string d;
        using (var ring = await ReceiptKeyRing.OpenAsync(path))
        {
            var text = await File.ReadAllTextAsync(path);
            d = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("keys")[0].GetProperty("d").GetString()!;
            await File.WriteAllTextAsync(path, text.Replace(ring.CurrentKid, "edited", StringComparison.Ordinal));
        }

        var e = await Assert.ThrowsAsync<ReceiptKeyException>(() => ReceiptKeyRing.OpenAsync(path));

        Assert.Equal(ReceiptKeyFailure.Malformed, e.Failure);
        Assert.Contains("thumbprint", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(d, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_AFileWhosePrivatePartIsAnotherKeys_IsRefused()
    {
        var path = _folder.File("keys.json");
        var otherPath = _folder.File("other.json");
        (await ReceiptKeyRing.OpenAsync(path)).Dispose();
        (await ReceiptKeyRing.OpenAsync(otherPath)).Dispose();
        var file = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var other = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(otherPath))!;
        file["keys"]![0]!["d"] = other["keys"]![0]!["d"]!.GetValue<string>();
        await File.WriteAllTextAsync(path, file.ToJsonString());

        var e = await Assert.ThrowsAsync<ReceiptKeyException>(() => ReceiptKeyRing.OpenAsync(path));

        Assert.Equal(ReceiptKeyFailure.Malformed, e.Failure);
        Assert.Contains("private part", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ByEightOpenersThatAllFoundItMissing_OneCreates_TheOthersLoadItsKey()
    {
        var path = _folder.File("keys.json");
        var arrived = 0;
        var allChecked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task HoldUntilAllFoundItMissing()
        {
            if (Interlocked.Increment(ref arrived) == 8)
            {
                allChecked.SetResult();
            }

            return allChecked.Task;
        }

        var rings = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => ReceiptKeyRing.OpenAsync(path, HoldUntilAllFoundItMissing, CancellationToken.None)));
        try
        {
            using var reopened = await ReceiptKeyRing.OpenAsync(path);

            Assert.Equal(8, arrived);
            Assert.Single(rings.Select(ring => ring.CurrentKid).Distinct());
            Assert.Equal(reopened.CurrentKid, rings[0].CurrentKid);
            Assert.Equal(["keys.json"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        }
        finally
        {
            foreach (var ring in rings)
            {
                ring.Dispose();
            }
        }
    }

    [Fact]
    public async Task Open_ByEightAtOnce_OnAMissingFile_EndsWithOneKeyRing()
    {
        var path = _folder.File("keys.json");

        var rings = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ReceiptKeyRing.OpenAsync(path))));
        try
        {
            using var reopened = await ReceiptKeyRing.OpenAsync(path);

            Assert.Single(rings.Select(ring => ring.CurrentKid).Distinct());
            Assert.Equal(reopened.CurrentKid, rings[0].CurrentKid);
            Assert.Single(JwkSet.Parse(reopened.PublicKeys()).Keys);
            Assert.Equal(["keys.json"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        }
        finally
        {
            foreach (var ring in rings)
            {
                ring.Dispose();
            }
        }
    }
}
