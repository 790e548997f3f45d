"""The same event read twice counts once.

Why: the same file uploaded twice, two CloudWatch exports that overlap, ``filter-log-events`` pages
saved with an overlap: every event in both would otherwise count twice in every percentile, count
and cost. An event is the same when its log stream, time and message are: here, when two rows
agree on every column the message gives (all but ``source`` and ``line``, which say where it was
read), their time included.

Rows that carry no time are never merged: a console copy has neither time nor stream, and real
captures repeat identical REPORT lines (async retries reuse the request id), so two such rows
may well be two events. Where a row has a time but the table has no stream to tell two events
apart (``inits``, ``restores``; a burst of environments can start in the same millisecond), a
row is a repeat only of a row of *another input* (or of the same line of the same input, read
twice): each input keeps as many equal rows as it has, so the result holds, per distinct row,
as many as the input that has the most. ``invocations`` rows with a stream and ``spans`` (whose
trace and segment ids are unique) are repeats of any equal row.

Cheap: only rows whose time and duration occur together more than once can be repeats (one
integer per row, one sort: about 0.1 s for a million rows here), and only those are compared in
full, strings included.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from logparse.tables import SCHEMAS, Tables

# Per table: its time column, and whether equal rows are the same event whatever input they
# came from (a stream or a unique id makes it so) or only across inputs.
TIME_COLUMNS = {"invocations": "timestamp", "inits": "timestamp", "restores": "timestamp", "spans": "start"}
# A number that varies from event to event (to 0.01 ms), mixed with the time into the cheap key
# that picks the rows worth comparing in full.
VARYING = {"invocations": "duration_ms", "inits": "init_ms", "restores": "restore_ms", "spans": "end"}
WHERE_READ = ("source", "line")
DERIVED = ("xray_restore_ms",)  # filled by the X-Ray join from other rows, not read from the event


def drop_repeats(tables: Tables) -> Tables:
    """``tables`` without repeated events; ``stats.duplicates`` says how many rows were dropped."""
    dropped = 0
    frames = {}
    for name, time_column in TIME_COLUMNS.items():
        frame = getattr(tables, name)
        repeats = repeated_rows(frame, name, time_column)
        if repeats.any():
            frame = frame[~repeats].reset_index(drop=True)
            dropped += int(repeats.sum())
        frames[name] = frame
    if not dropped:
        return tables
    tables.stats.duplicates += dropped
    return replace(tables, **frames)


def repeated_rows(frame: pd.DataFrame, name: str, time_column: str) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` that repeat an earlier row (see the module docstring)."""
    repeats = np.zeros(len(frame), dtype=bool)
    if len(frame) < 2:
        return repeats
    content = [c for c in SCHEMAS[name] if c not in WHERE_READ and c not in DERIVED and c in frame.columns]
    dated = np.flatnonzero(~np.asarray(frame[time_column].isna()))
    if len(dated) < 2:  # rows without a time are never merged (a console copy has none)
        return repeats
    key = _numeric_key(frame.iloc[dated] if len(dated) < len(frame) else frame, (time_column, VARYING[name]))
    ordered = np.sort(key)
    shared = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(shared):
        return repeats  # the usual case: one sort, nothing to compare
    candidates = dated[np.isin(key, shared)]
    if not len(candidates):
        return repeats
    rows = frame.iloc[candidates]
    if name == "spans":
        identified = np.ones(len(rows), dtype=bool)
    elif "log_stream" in rows.columns:
        identified = rows["log_stream"].notna().to_numpy(dtype=bool)
    else:
        identified = np.zeros(len(rows), dtype=bool)
    found = np.zeros(len(rows), dtype=bool)
    if identified.any():
        found[identified] = rows[identified].duplicated(content).to_numpy()
    if not identified.all():
        rest = rows[~identified]
        # The same line of the same input read twice, then equal rows across inputs, each input
        # keeping as many as it has (the n-th equal row of an input repeats the n-th of another).
        same_line = rest.duplicated([*content, *WHERE_READ]).to_numpy()
        kept = rest[~same_line]
        nth = kept.groupby([*content, "source"], dropna=False, sort=False).cumcount().to_numpy()
        across = kept.assign(_nth=nth).duplicated([*content, "_nth"]).to_numpy()
        rest_found = same_line.copy()
        rest_found[~same_line] = across
        found[~identified] = rest_found
    repeats[candidates] = found
    return repeats


_MIX = np.uint64(0x9E3779B97F4A7C15)  # the 64-bit golden ratio: spreads one column's bits over the next


def _numeric_key(frame: pd.DataFrame, content: tuple[str, ...]) -> np.ndarray:
    """One uint64 per row mixing its time and a duration: equal rows have equal keys, and two
    events rarely share the millisecond *and* a duration to the 0.01 ms, so only true repeats (and
    a few look-alikes) go on to the full comparison of every column, strings included."""
    key = np.zeros(len(frame), dtype=np.uint64)
    for column in content:
        values = frame[column]
        kind = values.dtype.kind
        if kind == "M":
            bits = np.asarray(values.array.asi8).view(np.uint64)
        elif kind in "fiu":
            bits = values.to_numpy(dtype="float64", na_value=np.nan).view(np.uint64)
        else:
            continue
        key = key * _MIX ^ bits
    return key
