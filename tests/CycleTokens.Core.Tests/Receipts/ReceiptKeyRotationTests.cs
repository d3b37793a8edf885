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

    [Fact]
    public async Task Rotate_ByTwoProcessesOneAfterTheOther_KeepsBothNewKeys()
    {
        var path = _folder.File("keys.json");
        using var first = await ReceiptKeyRing.OpenAsync(path);
        using var second = await ReceiptKeyRing.OpenAsync(path);
        var original = first.CurrentKid;

        await first.RotateAsync();
        await second.RotateAsync();
        using var reopened = await ReceiptKeyRing.OpenAsync(path);

        Assert.Equal(second.CurrentKid, reopened.CurrentKid);
        Assert.Equal([second.CurrentKid, first.CurrentKid, original], JwkSet.Parse(reopened.PublicKeys()).Keys.Select(key => key.Kid));
    }

    [Fact]
    public async Task Rotate_WhileAnotherRotationHoldsTheLock_WaitsForIt_AndKeepsItsKey()
    {
        var path = _folder.File("keys.json");
        using var first = await ReceiptKeyRing.OpenAsync(path);
        using var second = await ReceiptKeyRing.OpenAsync(path);
        var original = first.CurrentKid;
        var secondFoundTheLockHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? secondRotation = null;

        await first.RotateAsync(
            afterRead: async () =>
            {
                // The first has read the file and not yet written it. The second must wait for the lock; were there
                // none, it would finish meanwhile and the first's write would then drop the second's key.
                secondRotation = second.RotateAsync(afterRead: null, lockBusy: secondFoundTheLockHeld.SetResult, CancellationToken.None);
                await Task.WhenAny(secondFoundTheLockHeld.Task, secondRotation);
            },
            lockBusy: null,
            CancellationToken.None);
        await secondRotation!;
        using var reopened = await ReceiptKeyRing.OpenAsync(path);

        Assert.True(secondFoundTheLockHeld.Task.IsCompleted);
        Assert.Equal([second.CurrentKid, first.CurrentKid, original], JwkSet.Parse(reopened.PublicKeys()).Keys.Select(key => key.Kid));
        Assert.Equal(["keys.json"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task PublishedKeys_FollowARotationByAnotherProcess_AndStillVerifyWhatThisRingSigns()
    {
        var path = _folder.File("keys.json");
        using var server = await ReceiptKeyRing.OpenAsync(path);
        using var rotator = await ReceiptKeyRing.OpenAsync(path);
        Assert.Single((await server.PublishedKeysAsync()).Keys);

        await rotator.RotateAsync();
        using var restarted = await ReceiptKeyRing.OpenAsync(path);
        var published = await server.PublishedKeysAsync();

        Assert.Equal([rotator.CurrentKid, server.CurrentKid], published.Keys.Select(key => key.Kid));
        Assert.True(ReceiptVerifier.Verify(new ReceiptSigner(server).Sign(ReceiptTokens.Sample()), published).IsValid);
        Assert.True(ReceiptVerifier.Verify(new ReceiptSigner(restarted).Sign(ReceiptTokens.Sample()), published).IsValid);
    }

    [Fact]
    public async Task PublishedKeys_OfAFileGoneMissing_AreThisRingsOwn()
    {
        var path = _folder.File("keys.json");
        using var ring = await ReceiptKeyRing.OpenAsync(path);
        await ring.RotateAsync();

        File.Delete(path);

        Assert.Equal(JwkSet.Parse(ring.PublicKeys()).Keys, (await ring.PublishedKeysAsync()).Keys);
        Assert.Equal(2, ring.PublicKeySet().Keys.Count);
    }

    [Fact]
    public async Task LoadPublicKeys_ReadsEveryListedKey_AndOfAMissingFile_FailsWithoutCreatingIt()
    {
        var path = _folder.File("keys.json");
        using (var ring = await ReceiptKeyRing.OpenAsync(path))
        {
            await ring.RotateAsync();
        }

        var keys = await ReceiptKeyRing.LoadPublicKeysAsync(path);
        var missing = await Assert.ThrowsAsync<ReceiptKeyException>(() => ReceiptKeyRing.LoadPublicKeysAsync(_folder.File("none.json")));

        Assert.Equal(2, keys.Keys.Count);
        Assert.Equal(ReceiptKeyFailure.Inaccessible, missing.Failure);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Equal(["keys.json"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }
}
