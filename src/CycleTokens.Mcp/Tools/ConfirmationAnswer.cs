namespace CycleTokens.Mcp.Tools;

/// <summary>What became of a confirmation question.</summary>
internal enum ConfirmationAnswer
{
    /// <summary>The human accepted: the debit may be written, up to the amount shown.</summary>
    Accepted,

    /// <summary>The human declined or dismissed the question.</summary>
    Declined,

    /// <summary>No answer within <see cref="Confirmation.Timeout"/>, or the client answered with an error.</summary>
    NoAnswer,
}
