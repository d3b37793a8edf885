using CycleTokens.Core.Ids;

namespace CycleTokens.Core.Tests.Support;

/// <summary>
/// Sequential ids that can hold a write inside its transaction (the next id waits until released), so other writes
/// queue behind it; and can fail one id request with an unexpected exception, as a broken disk would.
/// </summary>
/// <param name="inner">The ids handed out (another connection's generator needs a tag of its own).</param>
internal sealed class GatedIdGenerator(SequentialIdGenerator? inner = null) : IIdGenerator, IDisposable
{
    private readonly SequentialIdGenerator _inner = inner ?? new();
    private readonly ManualResetEventSlim _open = new(true);
    private int _armed;
    private int _calls;
    private int _failOn = -1;

    /// <summary>Set while a held write waits inside its transaction.</summary>
    public ManualResetEventSlim Held { get; } = new(false);

    /// <summary>The next id request blocks (holding its write's transaction) until <see cref="Release"/>.</summary>
    public void HoldNext()
    {
        _open.Reset();
        Held.Reset();
        Volatile.Write(ref _armed, 1);
    }

    public void Release() => _open.Set();

    public void Dispose()
    {
        _open.Dispose();
        Held.Dispose();
    }

    /// <summary>The <paramref name="n"/>-th id request from now (1 = the next) throws.</summary>
    public void FailRequest(int n) => Volatile.Write(ref _failOn, Volatile.Read(ref _calls) + n);

    public string NewId(string prefix)
    {
        var call = Interlocked.Increment(ref _calls);
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Held.Set();
            Assert.True(_open.Wait(TimeSpan.FromSeconds(30)), "the held write was never released");
        }

        if (call == Volatile.Read(ref _failOn))
        {
            throw new InvalidOperationException("simulated storage failure");
        }

        return _inner.NewId(prefix);
    }
}
