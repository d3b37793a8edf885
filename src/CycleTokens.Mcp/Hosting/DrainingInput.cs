using System.Buffers;
using System.Text.Json;

namespace CycleTokens.Mcp.Hosting;

/// <summary>
/// stdin for the MCP transport. It notes each request line that passes, and at end of input holds the end back until
/// those requests have been answered: the SDK's transport stops sending once it has seen the end, which would drop
/// answers to requests still being handled.
/// </summary>
internal sealed class DrainingInput(Stream inner, InFlightRequests inFlight, TimeProvider time) : AsyncReadStream
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly ArrayBufferWriter<byte> _line = new();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            Note(_line.WrittenSpan);
            _line.Clear();
            await inFlight.WaitIdleAsync(Settle, Limit, time);
            return 0;
        }

        Scan(buffer.Span[..read]);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Scan(ReadOnlySpan<byte> chunk)
    {
        int newline;
        while ((newline = chunk.IndexOf((byte)'\n')) >= 0)
        {
            if (_line.WrittenCount == 0)
            {
                Note(chunk[..newline]);
            }
            else
            {
                _line.Write(chunk[..newline]);
                Note(_line.WrittenSpan);
                _line.Clear();
            }

            chunk = chunk[(newline + 1)..];
        }

        _line.Write(chunk);
    }

    private void Note(ReadOnlySpan<byte> line)
    {
        if (IsRequest(line))
        {
            inFlight.RequestRead();
        }
    }

    /// <summary>A JSON object with an id and a string method: what the server will dispatch as a request.</summary>
    private static bool IsRequest(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool id = false, method = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                var isMethod = reader.ValueTextEquals("method"u8);
                reader.Read();
                id |= isId && reader.TokenType is JsonTokenType.Number or JsonTokenType.String;
                method |= isMethod && reader.TokenType == JsonTokenType.String;
                reader.Skip();
            }

            return id && method && reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
