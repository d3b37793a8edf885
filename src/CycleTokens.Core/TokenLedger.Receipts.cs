using CycleTokens.Core.Receipts;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

/// <summary>Signed receipts (agent-billing spec §3): signing each movement a caller asked for, and checking a receipt against the journal.</summary>
public sealed partial class TokenLedger
{
    private ReceiptSigner? _receiptSigner;

    /// <summary>The key ring that signs this ledger's receipts (<see cref="LedgerOptions.ReceiptKeysPath"/>); null when it signs none.</summary>
    /// <remarks>Owned by the ledger: disposed with it. Hosts publish its <see cref="ReceiptKeyRing.PublishedKeysAsync"/>.</remarks>
    public ReceiptKeyRing? ReceiptKeys { get; private set; }

    private IReceiptStore ReceiptStore => _stores.Receipts;

    /// <summary>
    /// Checks a receipt's figures against the journal: the transaction it names exists, every figure (account, kind,
    /// operation, quantity, amount, shares, balance after, timestamp, chain hash) is the stored one, and the stored
    /// row still hashes, from the row before it, to its chain hash. Writes nothing; works on a read-only open.
    /// </summary>
    /// <param name="claims">The claims of a receipt whose signature has been verified (<see cref="ReceiptVerifier"/>).</param>
    /// <param name="cancellationToken">Cancels the wait for the ledger.</param>
    /// <returns>Whether the transaction was found and each disagreement; the issuer and kid are not compared.</returns>
    public Task<ReceiptLedgerCheck> CheckReceiptAsync(ReceiptClaims claims, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return ReadAsync<ReceiptLedgerCheck>(
            null,
            () =>
            {
                if (ReceiptStore.Find(claims.TransactionId) is not { } stored)
                {
                    return new ReceiptLedgerCheck(Found: false, [$"transaction {Validation.Check.Shown(claims.TransactionId)} is not in the journal"]);
                }

                var problems = ReceiptFigures.Differences(claims, ReceiptFigures.Of(claims.Iss, stored.Row with { Hash = stored.Hash, Postings = stored.Postings }));
                var recomputed = ChainHash.Compute(ReceiptStore.PreviousHash(stored.Row.Seq), stored.Row, stored.Postings);
                if (!recomputed.AsSpan().SequenceEqual(stored.Hash))
                {
                    problems.Add("the stored transaction no longer hashes to its chain hash: the journal was altered (run verify)");
                }

                return new ReceiptLedgerCheck(Found: true, problems);
            },
            cancellationToken);
    }

    /// <summary>
    /// The signed receipt of a movement just appended, or null when the ledger signs none. Signed inside the write,
    /// so a keyed call's stored outcome keeps it and a replay returns the very same token. Adding a receipt to a
    /// result is one line: <c>return new XResult(…) { Receipt = Receipt(row) };</c> with the row the journal returned.
    /// </summary>
    private string? Receipt(TxRow row) =>
        _receiptSigner?.Sign(ReceiptFigures.Of(_options.ReceiptIssuer, row));

    /// <summary>A receipt of an earlier transaction, signed anew (same claims, another signature), or null.</summary>
    private string? ReceiptOf(string transactionId) =>
        _receiptSigner is not null && ReceiptStore.Find(transactionId) is { } stored
            ? _receiptSigner.Sign(ReceiptFigures.Of(_options.ReceiptIssuer, stored.Row with { Hash = stored.Hash, Postings = stored.Postings }))
            : null;

    /// <summary>Opens the key ring the options name (creating it on first use); a ledger opened read-only signs nothing.</summary>
    private void OpenReceiptKeys()
    {
        if (_options.ReceiptKeysPath is not { } path || _options.ReadOnly)
        {
            return;
        }

        try
        {
            // Open is synchronous and runs once; on the pool so no caller's synchronization context is waited on.
            ReceiptKeys = Task.Run(() => ReceiptKeyRing.OpenAsync(path)).GetAwaiter().GetResult();
            _receiptSigner = new ReceiptSigner(ReceiptKeys);
        }
        catch
        {
            Dispose();
            throw;
        }
    }
}
