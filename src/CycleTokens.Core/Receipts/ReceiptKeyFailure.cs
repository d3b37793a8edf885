namespace CycleTokens.Core.Receipts;

/// <summary>Why the receipt key file could not be used.</summary>
public enum ReceiptKeyFailure
{
    /// <summary>The file is not a receipt key file this build can read.</summary>
    Malformed = 0,

    /// <summary>Users other than the owner may read or write the file.</summary>
    TooOpen = 1,

    /// <summary>The file or its folder could not be read or written.</summary>
    Inaccessible = 2,
}
