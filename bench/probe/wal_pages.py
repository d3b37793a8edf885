#!/usr/bin/env python3
"""Pages each commit wrote, by b-tree, from a ledger's WAL (the method of benchmarks.md §8).

Usage: bench/probe/wal_pages.py LEDGER.db FIRST_FRAME END_FRAME
LEDGER.db and LEDGER.db-wal are copies taken while the WAL still held every frame (wal_autocheckpoint = 0, as the
sql-pages probe patch sets with PROBE=1; PROBE_SPLIT=1 copies them to /tmp/probe and prints the frame ranges of 1,000
reserves, 1,000 settles and 1,000 charges). Frames FIRST_FRAME..END_FRAME-1 are counted by the b-tree that owns their
page in the final file (dbstat, Python's SQLite), divided by the commits among them. A page freed and reused by another
b-tree between the frame and the end is counted under its final owner: the held index's pages, emptied by the settles,
show up as the journal's.
"""
import collections
import shutil
import sqlite3
import struct
import sys
import tempfile
import os

db, first, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with tempfile.TemporaryDirectory() as scratch:
    copy = os.path.join(scratch, "x.db")
    shutil.copy(db, copy)
    shutil.copy(db + "-wal", copy + "-wal")
    connection = sqlite3.connect(copy)
    owner = {page: name for name, page in connection.execute("SELECT name, pageno FROM dbstat")}
    connection.close()

data = open(db + "-wal", "rb").read()
frame = 4096 + 24
counts = collections.Counter()
commits = 0
for i in range(first, end):
    offset = 32 + i * frame
    page, commit = struct.unpack(">II", data[offset:offset + 8])
    counts[owner.get(page, f"page {page}")] += 1
    commits += commit != 0
print("commits", commits)
for name, n in counts.most_common():
    print(f"{n / commits:6.2f} {name}")
