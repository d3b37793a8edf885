using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CycleTokens.Core.Storage.Sqlite;

/// <summary>
/// A first-come, first-served queue for the ledger's write lock, shared by every process that opens the file.
/// </summary>
/// <remarks>
/// SQLite's write lock has no queue: a process that has just committed takes it again before a waiting process wakes,
/// so under contention some writers wait hundreds of milliseconds while others run back to back. Here each writer
/// draws a ticket before <c>BEGIN IMMEDIATE</c> and waits until the writer before it is done, so waits are bounded by
/// the number of writers ahead.
/// <para>
/// The queue lives in a side file (<c>&lt;ledger&gt;-queue</c>) with Linux open-file-description locks, which the
/// kernel drops when a process dies: a ticket is "in the queue" while its owner holds a lock on the ticket's byte.
/// The counter is read and advanced under a lock on byte 0. A writer whose predecessor died, or that never got a slot,
/// simply goes on: SQLite's lock still guarantees exclusion; the queue only orders the waiters. Where open-file-
/// description locks do not exist (not Linux), the queue is off and SQLite's lock alone applies.
/// </para>
/// </remarks>
internal sealed class WriteQueue : IDisposable
{
    private const long CounterOffset = 8;
    private const long SlotBase = 4096;
    private const long Slots = 4096;

    // Between polls of the predecessor's slot: short enough that a hand-over costs a fraction of a commit.
    private const uint PollMicroseconds = 50;

    private readonly SafeFileHandle _file;
    private readonly int _fd;
    private readonly TimeSpan _timeout;
    private readonly byte[] _counter = new byte[8];
    private long _held = -1;

    private WriteQueue(SafeFileHandle file, TimeSpan timeout)
    {
        _file = file;
        _fd = (int)file.DangerousGetHandle();
        _timeout = timeout;
    }

    /// <summary>Opens the queue beside the ledger file, or returns null where the platform has no such locks.</summary>
    internal static WriteQueue? Open(string databasePath, TimeSpan timeout)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return null;
        }

        // FileShare.ReadWrite: with None, .NET would take its own whole-file lock and keep other processes out.
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(databasePath + "-queue", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder where the side file cannot be made: SQLite's lock alone still keeps writes apart.
            return null;
        }

        var queue = new WriteQueue(file, timeout);
        if (!queue.Probe())
        {
            queue.Dispose();
            return null;
        }

        return queue;
    }

    /// <summary>Draws a ticket and waits until every earlier ticket is done (or has died), or the timeout has passed.</summary>
    internal void Enter()
    {
        var started = Stopwatch.GetTimestamp();
        if (!Lock(0, wait: true, started))
        {
            return;
        }

        long ticket;
        try
        {
            Array.Clear(_counter);
            _ = RandomAccess.Read(_file, _counter, CounterOffset);
            ticket = BitConverter.ToInt64(_counter);
            BitConverter.TryWriteBytes(_counter, ticket + 1);
            RandomAccess.Write(_file, _counter, CounterOffset);

            // Our slot is free unless thousands of writers are queued; then this writer goes unordered.
            if (Lock(Slot(ticket), wait: false, started))
            {
                _held = ticket;
            }
        }
        finally
        {
            Unlock(0);
        }

        var predecessor = Slot(ticket - 1);
        while (IsLockedByOther(predecessor) && Stopwatch.GetElapsedTime(started) < _timeout)
        {
            _ = NativeMethods.usleep(PollMicroseconds);
        }
    }

    /// <summary>Leaves the queue: the next ticket's writer may go.</summary>
    internal void Exit()
    {
        if (_held >= 0)
        {
            Unlock(Slot(_held));
            _held = -1;
        }
    }

    public void Dispose()
    {
        Exit();
        _file.Dispose();
    }

    private static long Slot(long ticket) => SlotBase + (((ticket % Slots) + Slots) % Slots);

    private bool Probe()
    {
        var probe = Range(NativeMethods.WriteLock, 0);
        return NativeMethods.fcntl(_fd, NativeMethods.OfdGetLock, ref probe) == 0;
    }

    private bool Lock(long offset, bool wait, long started)
    {
        while (true)
        {
            var range = Range(NativeMethods.WriteLock, offset);
            if (NativeMethods.fcntl(_fd, NativeMethods.OfdSetLock, ref range) == 0)
            {
                return true;
            }

            if (!wait || Stopwatch.GetElapsedTime(started) >= _timeout)
            {
                return false;
            }

            _ = NativeMethods.usleep(PollMicroseconds);
        }
    }

    private void Unlock(long offset)
    {
        var range = Range(NativeMethods.Unlocked, offset);
        _ = NativeMethods.fcntl(_fd, NativeMethods.OfdSetLock, ref range);
    }

    private bool IsLockedByOther(long offset)
    {
        var range = Range(NativeMethods.WriteLock, offset);
        return NativeMethods.fcntl(_fd, NativeMethods.OfdGetLock, ref range) == 0 && range.Type != NativeMethods.Unlocked;
    }

    private static NativeMethods.FileLock Range(short type, long offset) =>
        new() { Type = type, Whence = 0, Start = offset, Length = 1, Pid = 0 };

    private static class NativeMethods
    {
        internal const int OfdGetLock = 36;
        internal const int OfdSetLock = 37;
        internal const short WriteLock = 1;
        internal const short Unlocked = 2;

        // struct flock on 64-bit Linux (x86-64 and arm64 alike).
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        internal struct FileLock
        {
            [FieldOffset(0)] public short Type;
            [FieldOffset(2)] public short Whence;
            [FieldOffset(8)] public long Start;
            [FieldOffset(16)] public long Length;
            [FieldOffset(24)] public int Pid;
        }

        [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        internal static extern int fcntl(int fd, int command, ref FileLock range);

        [DllImport("libc", EntryPoint = "usleep")]
        internal static extern int usleep(uint microseconds);
    }
}
