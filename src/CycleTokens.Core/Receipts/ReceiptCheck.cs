namespace CycleTokens.Core.Receipts;

/// <summary>The outcome of checking a receipt's signature. Anything but <see cref="Valid"/> means: do not trust it.</summary>
public enum ReceiptCheck
{
    /// <summary>Not a compact JWS receipt: wrong shape, bad base64url or JSON, or a payload without the receipt fields.</summary>
    Malformed = 0,

    /// <summary>The header names a key that is not in the key set.</summary>
    UnknownKey = 1,

    /// <summary>The header's <c>alg</c> is not <c>ES256</c> (e.g. <c>none</c> or <c>HS256</c>); nothing else is accepted.</summary>
    WrongAlgorithm = 2,

    /// <summary>The signature does not match the header and payload under the named key: the receipt was altered or forged.</summary>
    BadSignature = 3,

    /// <summary>Signed by the named key, unaltered.</summary>
    Valid = 4,
}
