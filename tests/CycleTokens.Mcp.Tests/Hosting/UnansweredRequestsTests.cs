using CycleTokens.Mcp.Hosting;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Hosting;

/// <summary>The wait at the end of input: until every request read is answered, bounded when an answer never comes.</summary>
public sealed class UnansweredRequestsTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task NothingExpected_TheWaitEndsAtOnce()
    {
        await new UnansweredRequests().WaitAnsweredAsync(Settle, Limit, _time, CancellationToken.None);
    }

    [Fact]
    public async Task TheWaitEnds_WhenTheLastRequestIsAnswered_AndNotBefore()
    {
        var requests = new UnansweredRequests();
        requests.Expect(new RequestId(1));
        requests.Expect(new RequestId("two"));
        requests.Expect(new RequestId(1));

        var wait = requests.WaitAnsweredAsync(Settle, Limit, _time, CancellationToken.None);
        requests.Answered(new RequestId(1));
        requests.Answered(new RequestId("two"));
        Assert.False(wait.IsCompleted);
        Assert.Equal(1, requests.Count);

        requests.Answered(new RequestId(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, requests.Count);
    }

    [Fact]
    public async Task AnAnswerToARequestNotRead_ChangesNothing()
    {
        var requests = new UnansweredRequests();
        requests.Expect(new RequestId(1));
        requests.Answered(new RequestId("1"));

        Assert.Equal(1, requests.Count);
        var wait = requests.WaitAnsweredAsync(Settle, Limit, _time, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        requests.Answered(new RequestId(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ARequestNeverHandledNorAnswered_IsGivenUpAfterTheSettleTime()
    {
        var requests = new UnansweredRequests();
        requests.Expect(new RequestId(1));

        var wait = requests.WaitAnsweredAsync(Settle, Limit, _time, CancellationToken.None);
        _time.Advance(Settle - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, requests.Count);
    }

    [Fact]
    public async Task StoppingTheServer_EndsTheWait()
    {
        var requests = new UnansweredRequests();
        requests.Expect(new RequestId(1));
        using var stop = new CancellationTokenSource();

        var wait = requests.WaitAnsweredAsync(Settle, Limit, _time, stop.Token);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
