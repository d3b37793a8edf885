using System.Text.Json;
using CycleTokens.Core.Receipts;
using CycleTokens.Core.Tests.Support;

namespace CycleTokens.Core.Tests.Receipts;

/// <summary>Rotation: new receipts get the new kid, old receipts keep verifying, the old private part is dropped.</summary>
public sealed class ReceiptKeyRotationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Rotate_SignsWithANewKid_AndOldReceiptsStillVerify()
    {
        using var ring = await ReceiptKeyRing.OpenAsync(_folder.File("keys.json"));
        var signer = new ReceiptSigner(ring);
        var before = signer.Sign(ReceiptTokens.Sample());
        var oldKid = ring.CurrentKid;

        await ring.RotateAsync();
        var after = signer.Sign(ReceiptTokens.Sample());
        var keys = JwkSet.Parse(ring.PublicKeys());

        Assert.NotEqual(oldKid, ring.CurrentKid);
        Assert.Equal([ring.CurrentKid, oldKid], keys.Keys.Select(key => key.Kid));
        Assert.Equal(oldKid, ReceiptVerifier.Verify(before, keys).Claims?.Kid);
        Assert.Equal(ring.CurrentKid, ReceiptVerifier.Verify(after, keys).Claims?.Kid);
    }

    [Fact]
    public async Task Rotate_IsStoredAtomically_KeepsOnlyTheCurrentPrivateKey_AndReopensWithTheNewKid()
    {
        var path = _folder.File("keys.json");
        string newKid;
        using (var ring = await ReceiptKeyRing.OpenAsync(path))
        {
            await ring.RotateAsync();
            await ring.RotateAsync();
            newKid = ring.CurrentKid;
        }

        using var reopened = await ReceiptKeyRing.OpenAsync(path);
        using var file = JsonDocument.Parse(File.ReadAllText(path));
        var keys = file.RootElement.GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal(newKid, reopened.CurrentKid);
        Assert.Equal(3, keys.Count);
        Assert.Equal([true, false, false], keys.Select(key => key.GetProperty("d").ValueKind == JsonValueKind.String));
        Assert.Equal(["keys.json"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }
}
