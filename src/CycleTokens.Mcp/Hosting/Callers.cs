using System.Security.Claims;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// Who each request acts for. Over stdio that is fixed when the server starts (<c>--account</c>, <c>--operator</c>);
/// over HTTP it comes only from the request's credential, as the claims the authentication put on its user — never
/// from an argument, a header the client chooses or the session id.
/// </summary>
/// <param name="fixedMode">The stdio server's one mode; null when every request must bring its own credential.</param>
internal sealed class Callers(ServerMode? fixedMode)
{
    /// <summary>The claim holding the account a credential is bound to.</summary>
    public const string AccountClaim = "cycletokens:account";

    /// <summary>The claim holding the role of a credential: <c>agent</c> or <c>operator</c>.</summary>
    public const string RoleClaim = "cycletokens:role";

    /// <summary>The role claim's value for agents.</summary>
    public const string AgentRole = "agent";

    /// <summary>The role claim's value for operators.</summary>
    public const string OperatorRole = "operator";

    /// <summary>The mode of the request in <paramref name="context"/>.</summary>
    /// <exception cref="McpException">The request carries no credential and the server has no fixed mode.</exception>
    public ServerMode Of(MessageContext context) => Of(context.User);

    /// <summary>The mode of a request made by <paramref name="user"/>.</summary>
    /// <exception cref="McpException">No credential and no fixed mode: refused (fail closed).</exception>
    public ServerMode Of(ClaimsPrincipal? user)
    {
        if (user?.FindFirst(AccountClaim)?.Value is { } account)
        {
            return new ServerMode(account, user.FindFirst(RoleClaim)?.Value == OperatorRole)
            {
                Credential = user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? throw new McpException("This request's credential has no id."),
                Budget = BudgetClaims.Read(user),
            };
        }

        return fixedMode ?? throw new McpException("This request carries no credential.");
    }
}
