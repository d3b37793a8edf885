using System.Net;
using CycleTokens.Mcp.Http;
using CycleTokens.Mcp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CycleTokens.Mcp.Tests.Http;

/// <summary>
/// Sessions per credential and idle sessions (service.md §1): one more session than allowed is a 429 that writes
/// nothing, a place comes back when a session ends, and 2026-07-28 requests (no sessions) are never counted.
/// </summary>
public sealed class HttpSessionLimitTests
{
    [Fact]
    public async Task OneSessionMoreThanAllowed_Is429_AndWritesNothing_WhileAnotherKeyStillOpensOne()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { SessionsPerCredential = 2 });
        var alice = await server.KeyAsync("alice");
        var aliceAgain = await server.KeyAsync("alice");
        await using var first = await server.ConnectAsync(alice);
        await using var second = await server.ConnectAsync(alice);
        using var fingerprint = new LedgerFingerprint(server.DatabasePath);
        var before = fingerprint.Take();

        using var third = await server.PostAsync(HttpTestServer.Initialize, alice);
        var body = await third.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.False(third.Headers.Contains("Mcp-Session-Id"));
        Assert.Contains("at most 2 open sessions per credential", body, StringComparison.Ordinal);
        Assert.Equal(before, fingerprint.Take());
        // The limit is per credential, not per account: another key of the same account has places of its own.
        await using var other = await server.ConnectAsync(aliceAgain);
        Assert.NotEmpty((await other.ListToolsAsync()).ToList());
    }

    [Fact]
    public async Task ClosingASession_GivesItsPlaceBack()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { SessionsPerCredential = 1 });
        var alice = await server.KeyAsync("alice");
        var owners = server.Services.GetRequiredService<SessionOwners>();
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        owners.Ended += id => ended.TrySetResult(id);

        var first = await server.ConnectAsync(alice);
        var firstId = first.SessionId;
        await first.DisposeAsync();
        Assert.Equal(firstId, await ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        await using var second = await server.ConnectAsync(alice);
        Assert.NotEqual(firstId, second.SessionId);
        Assert.Equal(1, owners.Held(await KeyIdAsync(server, alice)));
    }

    [Fact]
    public async Task ConcurrentInitializes_OpenExactlyTheAllowedNumber()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { SessionsPerCredential = 4 });
        var alice = await server.KeyAsync("alice");

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => server.PostAsync(HttpTestServer.Initialize, alice)));
        try
        {
            Assert.Equal(4, responses.Count(r => r.StatusCode == HttpStatusCode.OK && r.Headers.Contains("Mcp-Session-Id")));
            Assert.Equal(8, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
            Assert.Equal(4, server.Services.GetRequiredService<SessionOwners>().Held(await KeyIdAsync(server, alice)));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task PerRequestClients_AreNotCounted_AgainstTheSessionLimit()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { SessionsPerCredential = 1 });
        var alice = await server.KeyAsync("alice");
        await using var session = await server.ConnectAsync(alice);

        // The default revision (2026-07-28) keeps no session: many at once, with the one session place taken.
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => server.ConnectAsync(alice, protocolVersion: null)));
        try
        {
            var balances = await Task.WhenAll(clients.Select(c => c.CallToolAsync("get_balance").AsTask()));
            Assert.All(balances, b => Assert.NotEqual(true, b.IsError));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AnIdleSession_IsClosedAfterTheIdleTimeout_AndItsPlaceComesBack()
    {
        await using var server = await HttpTestServer.StartAsync(HttpLimits.Default with { SessionsPerCredential = 1, IdleSessionTimeout = TimeSpan.FromMinutes(30) });
        var alice = await server.KeyAsync("alice");
        var owners = server.Services.GetRequiredService<SessionOwners>();
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        owners.Ended += id => ended.TrySetResult(id);
        using var opened = await server.PostAsync(HttpTestServer.Initialize, alice);
        var sessionId = opened.Headers.GetValues("Mcp-Session-Id").Single();

        // Past the timeout on the server's clock; the sweep runs every 5 s of that clock.
        server.Time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(sessionId, await ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        using var stale = await server.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", alice, sessionId);
        Assert.Equal(HttpStatusCode.NotFound, stale.StatusCode);
        using var again = await server.PostAsync(HttpTestServer.Initialize, alice);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static async Task<string> KeyIdAsync(HttpTestServer server, string secret) => (await server.Ledger.AuthenticateAsync(secret)).Key!.Id;
}
