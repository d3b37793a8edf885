namespace CycleTokens.Core.Tests.Support;

/// <summary>The failure <see cref="LedgerModel"/> predicts for a call: the engine must throw this code (and message, when given).</summary>
internal sealed class ModelFailure(LedgerErrorCode code, string? message = null) : Exception(message ?? code.ToString())
{
    public LedgerErrorCode Code { get; } = code;

    /// <summary>The exact message the engine must give, or null when only the code is predicted.</summary>
    public string? ExactMessage { get; } = message;
}
