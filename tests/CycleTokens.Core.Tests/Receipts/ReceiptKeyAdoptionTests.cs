using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>A ring takes up a rotation another process made: its new receipts carry the new kid, old ones still verify.</summary>
public sealed class ReceiptKeyAdoptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AnotherProcessRotates_TheRingAdoptsTheNewKey_KeepsListingTheOld_AndSignsWithTheNew()
    {
        var path = _folder.File("keys.json");
        using var server = await ReceiptKeyRing.OpenAsync(path);
        var signer = new ReceiptSigner(server);
        var before = signer.Sign(ReceiptTokens.Sample());
        var oldKid = server.CurrentKid;
        Assert.False(await server.AdoptRotationAsync());

        using (var rotator = await ReceiptKeyRing.OpenAsync(path))
        {
            await rotator.RotateAsync();
        }

        Assert.True(await server.AdoptRotationAsync());
        var after = signer.Sign(ReceiptTokens.Sample());
        var keys = JwkSet.Parse(server.PublicKeys());
        using var reopened = await ReceiptKeyRing.OpenAsync(path);

        Assert.Equal(reopened.CurrentKid, server.CurrentKid);
        Assert.NotEqual(oldKid, server.CurrentKid);
        Assert.Equal([server.CurrentKid, oldKid], keys.Keys.Select(key => key.Kid));
        Assert.Equal(oldKid, ReceiptVerifier.Verify(before, keys).Claims?.Kid);
        Assert.Equal(server.CurrentKid, ReceiptVerifier.Verify(after, keys).Claims?.Kid);
        Assert.False(await server.AdoptRotationAsync());
    }

    [Fact]
    public async Task ItsOwnRotation_IsNoChangeToAdopt_AndAFileMadeReadableByOthers_IsRefused_KeepingTheKey()
    {
        var path = _folder.File("keys.json");
        using var ring = await ReceiptKeyRing.OpenAsync(path);
        await ring.RotateAsync();
        var kid = ring.CurrentKid;

        Assert.False(await ring.AdoptRotationAsync());
        if (!OperatingSystem.IsWindows())
        {
            using (var other = await ReceiptKeyRing.OpenAsync(path))
            {
                await other.RotateAsync();
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var refused = await Assert.ThrowsAsync<ReceiptKeyException>(() => ring.AdoptRotationAsync());

            Assert.Equal(ReceiptKeyFailure.TooOpen, refused.Failure);
            Assert.Equal(kid, ring.CurrentKid);
        }
    }
}
