namespace CycleTokens.Mcp.Http;

/// <summary>The limits of the HTTP server (service.md §1), each answered with an HTTP status and nothing written.</summary>
/// <param name="MaxRequestBodyBytes">The largest request body (413 above it).</param>
/// <param name="RequestsPerSecond">Each credential's sustained request rate (429 with Retry-After above it).</param>
/// <param name="Burst">How many requests a credential may make at once before the rate applies.</param>
/// <param name="IdleSessionTimeout">How long a session may go without a request before it is closed.</param>
/// <param name="ShutdownTimeout">How long a stop (SIGTERM) waits for requests in flight.</param>
/// <param name="SessionsPerCredential">How many sessions one credential may hold open at once (429 for one more).</param>
internal sealed record HttpLimits(
    long MaxRequestBodyBytes,
    int RequestsPerSecond,
    int Burst,
    TimeSpan IdleSessionTimeout,
    TimeSpan ShutdownTimeout,
    int SessionsPerCredential)
{
    /// <summary>The defaults of service.md: 1 MiB, 50/s with a burst of 100, 30 minutes idle, 10 s to stop, 16 sessions.</summary>
    public static HttpLimits Default { get; } = new(1024 * 1024, 50, 100, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10), 16);
}
