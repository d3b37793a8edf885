namespace CycleTokens.Core;

/// <summary>Why a ledger file could not be opened (<see cref="LedgerOpenException.Failure"/>).</summary>
public enum LedgerOpenFailure
{
    /// <summary>The path names a folder, or a part of the path that should be a folder is a file.</summary>
    NotAFile,

    /// <summary>The file (or, for a read-only open, its folder) does not exist.</summary>
    Missing,

    /// <summary>The file or its folder cannot be written (permissions or a read-only file system).</summary>
    NotWritable,

    /// <summary>The file is not a SQLite database.</summary>
    NotADatabase,

    /// <summary>The file is a SQLite database without the CycleTokens schema, or the PostgreSQL database has tables but not that schema.</summary>
    NotALedger,

    /// <summary>The schema is newer than this build, or (read-only) older and so cannot be migrated.</summary>
    SchemaMismatch,

    /// <summary>SQLite could not open or read the file for another reason (the message says which).</summary>
    Unreadable,

    /// <summary>The PostgreSQL URI is malformed or names an unknown parameter.</summary>
    InvalidLocation,

    /// <summary>The PostgreSQL server cannot be reached or refuses the connection (the message says why, never the password).</summary>
    Unreachable,
}
