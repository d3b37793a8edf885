using System.Text;
using CycleTokens.Mcp.Hosting;
using ModelContextProtocol.Protocol;

namespace CycleTokens.Mcp.Tests.Hosting;

/// <summary>How the input classifies a line: what the end of input waits for, and which lines it answers itself.</summary>
public sealed class InputLineTests
{
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", 1L)]
    [InlineData("""{"method":"tools/call","params":{"name":"x","arguments":{"id":9}},"id":42,"jsonrpc":"2.0"}""", 42L)]
    public void ARequestWithANumberId_IsExpected(string line, long id)
    {
        Assert.Equal(new InputLine(InputLineKind.Request, new RequestId(id)), InputLine.Of(Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public void ARequestWithAStringId_IsExpected()
    {
        Assert.Equal(
            new InputLine(InputLineKind.Request, new RequestId("a-1")),
            InputLine.Of("""{"jsonrpc":"2.0","id":"a-1","method":"ping"}"""u8));
    }

    [Fact]
    public void ACancellation_NamesTheRequestItWithdraws()
    {
        Assert.Equal(
            new InputLine(InputLineKind.Cancellation, new RequestId(7)),
            InputLine.Of("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"reason":{"requestId":1},"requestId":7}}"""u8));
    }

    [Theory]
    // Notifications, responses to the server's own requests and the session-long listen are not waited for.
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/initialized"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"subscriptions/listen","params":{}}""")]
    // Refused by the SDK, which answers them itself because it can read their id.
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_bal""")]
    [InlineData("""{"jsonrpc":"1.0","id":4,"method":"ping"}""")]
    [InlineData("""{"id":4,"method":"ping"}""")]
    [InlineData("")]
    [InlineData("   \r")]
    public void LinesNotWaitedForAndNotAnsweredHere_AreOther(string line)
    {
        Assert.Equal(InputLineKind.Other, InputLine.Of(Encoding.UTF8.GetBytes(line)).Kind);
    }

    [Theory]
    [InlineData("this is not json at all")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x""")]
    [InlineData("""{"jsonrpc":"2.0" "id":1}""")]
    public void NotJsonAndNoIdToAnswerWith_IsUnparsable(string line)
    {
        Assert.Equal(InputLineKind.Unparsable, InputLine.Of(Encoding.UTF8.GetBytes(line)).Kind);
    }

    [Theory]
    [InlineData("""[1,"two",{"three":3},null]""")]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("42")]
    [InlineData("""{"jsonrpc":"2.0"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":7}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"\ud800","method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"\udfff"}""")]
    [InlineData("""{"jsonrpc":"2.0","\ud800":1,"id":5,"method":"ping"}""")]
    public void JsonThatIsNoJsonRpcMessageAndHasNoUsableId_IsInvalid(string line)
    {
        Assert.Equal(InputLineKind.Invalid, InputLine.Of(Encoding.UTF8.GetBytes(line)).Kind);
    }
}
