using CycleTokens.Core.Accounts;
using CycleTokens.Core.Reservations;
using CycleTokens.Core.Storage;

namespace CycleTokens.Core;

public sealed partial class TokenLedger
{
    /// <summary>
    /// Checks the reservations against their hold accounts, as recomputed from the postings: a held reservation's hold
    /// holds exactly its tokens, an ended one's holds nothing (whatever it charged, returned or expired left it), and no
    /// hold account exists without its reservation.
    /// </summary>
    private void CheckHolds(List<string> problems, Dictionary<(string Account, string Bucket), long> computed)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, status, held) in _reservations.Holds())
        {
            var hold = AccountNames.Hold(id);
            known.Add(hold);
            var expected = status == ReservationStatus.Held ? held : 0;
            var actual = computed.GetValueOrDefault((hold, Posting.Main));
            if (actual != expected)
            {
                Add(problems, $"Reservation {id} ({status.ToString().ToLowerInvariant()}): its hold {hold} holds {actual} tokens by its postings, not {expected}.");
            }
        }

        foreach (var account in computed.Keys.Select(k => k.Account).Distinct().Where(a => AccountNames.KindOf(a) == AccountKind.Hold && !known.Contains(a)))
        {
            Add(problems, $"Account {account} holds tokens for no reservation.");
        }
    }
}
