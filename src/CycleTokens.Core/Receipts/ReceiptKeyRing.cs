using System.Security.Cryptography;

namespace CycleTokens.Core.Receipts;

/// <summary>
/// The ledger's receipt-signing keys: one current P-256 key that signs, and the public parts of every earlier key so
/// receipts signed before a rotation still verify. Kept in one JSON file outside the ledger tables, readable only
/// by its owner.
/// </summary>
/// <remarks>
/// <para>Open it with <see cref="OpenAsync(string, CancellationToken)"/>; the first open creates the file. Key ids
/// are RFC 7638 thumbprints.</para>
/// <para>Signing is serialised by a lock; <see cref="RotateAsync(CancellationToken)"/> takes the file's lock, re-reads
/// it, rewrites it atomically and switches the current key for this instance, so rotations by several processes are
/// all kept. Another process holding the same file keeps signing with the key it loaded until it takes the rotation
/// up (<see cref="AdoptRotationAsync"/>; its receipts still verify: the old public key stays listed), and publishes the
/// new key as soon as the file lists it (<see cref="PublishedKeysAsync"/>).</para>
/// </remarks>
public sealed partial class ReceiptKeyRing : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _rotation = new(1, 1);
    private ReceiptKeyFile _file;
    private ECDsa _signingKey;

    private ReceiptKeyRing(string path, ReceiptKeyFile file, ECDsa signingKey)
    {
        Path = path;
        _file = file;
        _signingKey = signingKey;
    }

    /// <summary>The full path of the key file.</summary>
    public string Path { get; }

    /// <summary>The id of the key that signs new receipts.</summary>
    public string CurrentKid
    {
        get
        {
            lock (_lock)
            {
                return _file.Current;
            }
        }
    }

    /// <summary>The public keys of every key in the ring, current first, as a JWK Set.</summary>
    public JwkSet PublicKeySet()
    {
        lock (_lock)
        {
            return new JwkSet(_file.Keys.Select(static key => new Jwk(key.Kid, key.X, key.Y)).ToList());
        }
    }

    /// <summary>The public keys as JWK Set JSON text, for <c>tokens://receipts/keys</c> and <c>/.well-known/jwks.json</c>.</summary>
    public string PublicKeys() => PublicKeySet().ToJson();

    /// <summary>Frees the private key held in memory.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _signingKey.Dispose();
        }

        _rotation.Dispose();
    }

    /// <summary>Runs <paramref name="use"/> with the current kid and key, so a rotation cannot split the two.</summary>
    internal T WithCurrentKey<T>(Func<string, ECDsa, T> use)
    {
        lock (_lock)
        {
            return use(_file.Current, _signingKey);
        }
    }
}
