using CycleTokens.Core.Accounts;
using CycleTokens.Core.Budgets;
using CycleTokens.Core.Escrows;
using CycleTokens.Core.Events;
using CycleTokens.Core.History;
using CycleTokens.Core.Idempotency;
using CycleTokens.Core.Storage;
using CycleTokens.Core.Validation;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>Holds tokens from the user (allowance first) in a new escrow for a job at a fab.</summary>
    /// <exception cref="LedgerException">Invalid argument, insufficient tokens, or a key reused with other arguments.</exception>
    public Task<EscrowResult> CreateEscrowAsync(string account, EscrowRequest request, CancellationToken cancellationToken = default) =>
        CreateEscrowAsync(account, request, null, cancellationToken);

    /// <summary>
    /// As <see cref="CreateEscrowAsync(string, EscrowRequest, CancellationToken)"/>, within <paramref name="spender"/>'s
    /// budget (none when null). The hold counts on the credential's day until a cancellation gives it back (a release
    /// pays the fab: it stays counted).
    /// </summary>
    /// <exception cref="LedgerException">Also BudgetExceeded and ConfirmationRequired, as for a charge; nothing is written then.</exception>
    public Task<EscrowResult> CreateEscrowAsync(string account, EscrowRequest request, Spender? spender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckSpender(spender);
        Check.UserAccount(account);
        Check.Amount(request.Amount);
        var job = Check.Text(request.JobId, "job_id", 200);
        var fab = Check.AccountId(request.FabId, "fab_id");
        var metadata = Check.JsonObject(request.Metadata, "metadata");
        if (request.ExpiresInHours is { } hours)
        {
            Check.Amount(hours, "expires_in_hours", 1, 8760);
        }

        var key = Check.IdempotencyKey(request.IdempotencyKey);
        var fingerprint = Fingerprint.Of("escrow-create", request.Amount, job, fab, metadata, request.ExpiresInHours);

        return WriteAsync(
            account,
            () => account,
            key,
            fingerprint,
            OutcomeJsonContext.Default.EscrowResult,
            () =>
            {
                var user = EnsureUser(account);
                var (fromAllowance, fromPurchased) = Draw(user, request.Amount);
                var id = _ids.NewId("esc");
                CountHold(spender, id, "escrow_hold", $"escrow hold for job {Check.Shown(job)} at fab {fab}", request.Amount, user.Balance - request.Amount);
                long? expiresMs = request.ExpiresInHours is { } h ? _nowMs + (h * 3_600_000L) : null;
                var crossed = RecordDebit(user, user.Balance - request.Amount);
                var postings = DebitUser(account, fromAllowance, fromPurchased);
                postings.Add(new Posting(AccountNames.Escrow(id), Posting.Main, request.Amount));
                var row = _journal.Append(
                    new TxDraft(TransactionKind.Escrow.ToWireName(), TransactionType.EscrowHold.ToWireName(), account, null, request.Amount, AccountNames.Escrow(id), postings)
                    {
                        Metadata = metadata,
                        IdempotencyKey = key,
                        Ref = id,
                    },
                    _nowMs,
                    user.MonthKey);
                _escrows.Insert(new NewEscrow(
                    id,
                    account,
                    request.Amount,
                    fromAllowance,
                    fromPurchased,
                    user.MonthKey,
                    row.Seq,
                    job,
                    fab,
                    metadata,
                    _nowMs,
                    expiresMs));
                Emit(LedgerEventNames.EscrowCreated, account, ("escrow_id", id), ("amount", request.Amount), ("job_id", job), ("fab_id", fab), ("balance", row.BalanceAfter));
                RaiseLowBalance(crossed, account, row.BalanceAfter, row.Id);
                return new EscrowResult(LoadEscrow(id)!, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    /// <summary>Returns one of the user's escrows (after cancelling it if it has expired).</summary>
    /// <exception cref="LedgerException">The escrow does not exist or belongs to another user (NotFound).</exception>
    public Task<Escrow> GetEscrowAsync(string account, string escrowId, CancellationToken cancellationToken = default) =>
        GetEscrowAsync(account, escrowId, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="GetEscrowAsync(string, string, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<Escrow> GetEscrowAsync(string account, string escrowId, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(escrowId, "escrow_id");
        return ReadAsync(account, () => OwnEscrow(account, escrowId), cancellationToken, missing: missing);
    }

    /// <summary>Lists the user's escrows, oldest first, optionally of one status.</summary>
    public Task<IReadOnlyList<Escrow>> ListEscrowsAsync(string account, EscrowStatus? status = null, CancellationToken cancellationToken = default) =>
        ListEscrowsAsync(account, status, MissingUser.Create, cancellationToken);

    /// <summary>As <see cref="ListEscrowsAsync(string, EscrowStatus?, CancellationToken)"/>, saying whether a missing user is created or refused.</summary>
    /// <exception cref="LedgerException">The user does not exist and <paramref name="missing"/> is <see cref="MissingUser.Refuse"/> (NotFound; nothing is written).</exception>
    public Task<IReadOnlyList<Escrow>> ListEscrowsAsync(string account, EscrowStatus? status, MissingUser missing, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        return ReadAsync<IReadOnlyList<Escrow>>(account, () => ListEscrows(account, status), cancellationToken, missing: missing);
    }

    /// <summary>Releases a held escrow: the fab account is credited the amount.</summary>
    /// <exception cref="LedgerException">Not found, not held, or a key reused with other arguments.</exception>
    public Task<EscrowResult> ReleaseEscrowAsync(string account, string escrowId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(escrowId, "escrow_id");
        var key = Check.IdempotencyKey(idempotencyKey);
        return WriteAsync(
            account,
            () => account,
            key,
            Fingerprint.Of("escrow-release", escrowId),
            OutcomeJsonContext.Default.EscrowResult,
            () =>
            {
                var user = EnsureUser(account);
                var escrow = HeldEscrow(account, escrowId);
                _escrows.Release(escrowId, _nowMs);
                SettleHold(escrowId, 0);
                var fab = AccountNames.Fab(escrow.FabId);
                var row = _journal.Append(
                    new TxDraft(
                        TransactionKind.Escrow.ToWireName(),
                        TransactionType.EscrowRelease.ToWireName(),
                        account,
                        null,
                        escrow.Amount,
                        fab,
                        [new Posting(AccountNames.Escrow(escrowId), Posting.Main, -escrow.Amount), new Posting(fab, Posting.Main, escrow.Amount)])
                    {
                        IdempotencyKey = key,
                        Ref = escrowId,
                    },
                    _nowMs,
                    user.MonthKey);
                Emit(LedgerEventNames.EscrowReleased, account, ("escrow_id", escrowId), ("amount", escrow.Amount), ("job_id", escrow.JobId), ("fab_id", escrow.FabId), ("transaction_id", row.Id));
                return new EscrowResult(LoadEscrow(escrowId)!, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    /// <summary>Cancels a held escrow: the user gets the amount back into the parts it came from.</summary>
    /// <remarks>An allowance part from a month that has ended expires instead of returning.</remarks>
    /// <exception cref="LedgerException">Not found, not held, or a key reused with other arguments.</exception>
    public Task<EscrowResult> CancelEscrowAsync(string account, string escrowId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        Check.UserAccount(account);
        CheckId(escrowId, "escrow_id");
        var key = Check.IdempotencyKey(idempotencyKey);
        return WriteAsync(
            account,
            () => account,
            key,
            Fingerprint.Of("escrow-cancel", escrowId),
            OutcomeJsonContext.Default.EscrowResult,
            () =>
            {
                EnsureUser(account);
                HeldEscrow(account, escrowId);
                var row = CancelEscrow(account, escrowId, "cancelled", key);
                return new EscrowResult(LoadEscrow(escrowId)!, row.BalanceAfter, Replayed: false) { Receipt = Receipt(row) };
            },
            static r => r with { Replayed = true },
            cancellationToken);
    }

    private void CancelDueEscrows(string account)
    {
        foreach (var id in _escrows.DueIds(account, _nowMs))
        {
            CancelEscrow(account, id, "expired", null);
        }
    }

    private int CancelAllHeldEscrows(string account)
    {
        var ids = _escrows.HeldIds(account);
        foreach (var id in ids)
        {
            CancelEscrow(account, id, "cleared", null);
        }

        return ids.Count;
    }

    /// <summary>Posts the return of a held escrow and marks it cancelled; returns the row appended (with the user's balance after).</summary>
    private TxRow CancelEscrow(string account, string escrowId, string reason, string? key)
    {
        var (escrow, allowancePart, purchasedPart, monthKey) = _escrows.LoadParts(escrowId);
        var user = LoadUser(account)!;
        var expired = monthKey < user.MonthKey ? allowancePart : 0;
        _escrows.Cancel(escrowId, _nowMs);
        SettleHold(escrowId, escrow.Amount);
        var row = _journal.Append(
            new TxDraft(
                TransactionKind.Escrow.ToWireName(),
                TransactionType.EscrowCancel.ToWireName(),
                account,
                null,
                escrow.Amount,
                AccountNames.Escrow(escrowId),
                [
                    new Posting(AccountNames.Escrow(escrowId), Posting.Main, -escrow.Amount),
                    new Posting(account, Posting.Allowance, allowancePart - expired),
                    new Posting(account, Posting.Purchased, purchasedPart),
                    new Posting(AccountNames.SystemExpired, Posting.Main, expired),
                ])
            {
                IdempotencyKey = key,
                Ref = escrowId,
                Details = $"{{\"reason\":\"{reason}\",\"returned\":{escrow.Amount - expired},\"expired\":{expired}}}",
            },
            _nowMs,
            user.MonthKey);
        Log.EscrowCancelled(_logger, escrowId, account, reason);
        Emit(
            LedgerEventNames.EscrowCancelled,
            account,
            ("escrow_id", escrowId),
            ("amount", escrow.Amount),
            ("returned", escrow.Amount - expired),
            ("expired", expired),
            ("reason", reason),
            ("job_id", escrow.JobId),
            ("balance", row.BalanceAfter));
        return row;
    }

    private Escrow OwnEscrow(string account, string escrowId)
    {
        var escrow = LoadEscrow(escrowId);
        return escrow is not null && escrow.Account == account && _escrows.HoldSeq(escrowId) > LoadUser(account)!.HistoryStart
            ? escrow
            : throw LedgerException.NotFound("Escrow", "escrow_id", escrowId);
    }

    private Escrow HeldEscrow(string account, string escrowId)
    {
        var escrow = OwnEscrow(account, escrowId);
        return escrow.Status == EscrowStatus.Held
            ? escrow
            : throw new LedgerException(LedgerErrorCode.EscrowNotHeld, $"Escrow {escrowId} is not held (status: {escrow.Status.ToString().ToLowerInvariant()})", "escrow_id");
    }

    private Escrow? LoadEscrow(string escrowId) => _escrows.Load(escrowId);

    private List<Escrow> ListEscrows(string account, EscrowStatus? status) => _escrows.List(account, LoadUser(account)!.HistoryStart, status);

    private long HeldInEscrow(string account) => _escrows.HeldTotal(account);

    private static void CheckId(string? id, string field)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw LedgerException.Invalid(field, "must be an id returned by this server (1-64 letters, digits or '_')", Check.Shown(id));
        }
    }
}
