namespace CycleTokens.Core.Receipts;

/// <summary>
/// The receipt key file could not be used. The message is one sentence naming the path and the cause; it never
/// contains key material. It is meant for the operator (server start, CLI), not for a model.
/// </summary>
/// <remarks>An <see cref="IOException"/>, so hosts that already report I/O failures at start report it too.</remarks>
public sealed class ReceiptKeyException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">What kind of failure.</param>
    /// <param name="path">The full path of the key file.</param>
    /// <param name="message">The sentence to show.</param>
    /// <param name="inner">The I/O or parse error behind it, if any.</param>
    public ReceiptKeyException(ReceiptKeyFailure failure, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Path = path;
    }

    /// <summary>What kind of failure this is.</summary>
    public ReceiptKeyFailure Failure { get; }

    /// <summary>The full path of the key file.</summary>
    public string Path { get; }
}
