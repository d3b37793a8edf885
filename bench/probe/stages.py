#!/usr/bin/env python3
"""Medians of the server-side stages of each request, from the files the hop-stages probe writes.

Usage: bench/probe/stages.py /tmp/cycletokens-stages-*.txt
Each line of a probe file is one response: microseconds per stage (-1 when a stage did not happen, as for ping,
which has no tool handler) and whether the handler and the write ran on one thread. Rows are grouped by what the
handler's engine call took: none (ping and other non-tool requests), under 60 us (estimate), 60 us or more (charge);
the last 2,000 of each group (the measured calls of `hop`, which come after its warm-up) are summarised.
"""
import statistics
import sys

STAGES = [
    "line read -> handler",
    "handler -> engine",
    "engine call",
    "engine -> handler returns",
    "handler returns -> first byte of the response",
    "first byte -> write(2)",
    "write(2) of the response",
    "line read -> response written",
]

groups = {"ping (no tool handler)": [], "estimate_operation": [], "charge_for_operation": []}
skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = [float(v) for v in line.split()]
            if all(v == -1 for v in row[:5]):
                groups["ping (no tool handler)"].append(row)
            elif any(v < 0 for v in row[:8]):
                # Stamps of overlapping requests (the warm-up's setup, initialize): not one request's stages.
                skipped += 1
            elif row[2] < 60:
                groups["estimate_operation"].append(row)
            else:
                groups["charge_for_operation"].append(row)

print("| request | n | " + " | ".join(STAGES) + " |")
print("|---|---:|" + "---:|" * len(STAGES))
for name, rows in groups.items():
    if not rows:
        continue
    rows = rows[-2000:]
    cells = []
    for i in range(len(STAGES)):
        values = [r[i] for r in rows if r[i] >= 0]
        cells.append(f"{statistics.median(values):.1f}" if values else "-")
    print(f"| {name} | {len(rows)} | " + " | ".join(cells) + " |")
print(f"({skipped} rows with stamps out of order skipped)")
