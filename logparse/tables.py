"""The tables: the contract between the library and its faces (see DESIGN.md, "Tables").

Every table is a pandas DataFrame with exactly the columns and dtypes declared here, whatever
produced it (files, live AWS, an empty input). Times are UTC, durations float milliseconds,
missing values ``<NA>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import polars as pl

TIME: Final = "datetime64[ns, UTC]"
TEXT: Final = "string"
FLOAT: Final = "Float64"
INT: Final = "Int64"
BOOL: Final = "boolean"
# The column dtypes the tables use, as pandas names them.
Dtype = Literal["datetime64[ns, UTC]", "string", "Float64", "Int64", "boolean"]
Schema = dict[str, Dtype]

INVOCATIONS: Schema = {
    "timestamp": TIME,
    "function": TEXT,
    "version": TEXT,
    "log_stream": TEXT,
    "request_id": TEXT,
    "duration_ms": FLOAT,
    "billed_duration_ms": FLOAT,
    "memory_mb": INT,
    "max_memory_mb": INT,
    "init_ms": FLOAT,
    "restore_ms": FLOAT,
    "billed_restore_ms": FLOAT,
    "start_kind": TEXT,
    "status": TEXT,
    "error_type": TEXT,
    "trace_id": TEXT,
    # Filled by the X-Ray join (logparse.xray); <NA> where no trace matched.
    "xray_restore_ms": FLOAT,
    "source": TEXT,
    "line": INT,
}

INITS: Schema = {
    "timestamp": TIME,
    "function": TEXT,
    "version": TEXT,
    "phase": TEXT,
    "init_kind": TEXT,
    "status": TEXT,
    "error_type": TEXT,
    "init_ms": FLOAT,
    "runtime_version": TEXT,
    "runtime_version_arn": TEXT,
    "source": TEXT,
    "line": INT,
}

RESTORES: Schema = {
    "timestamp": TIME,
    "function": TEXT,
    "version": TEXT,
    "restore_ms": FLOAT,
    "status": TEXT,
    "error_type": TEXT,
    "runtime_version": TEXT,
    "source": TEXT,
    "line": INT,
}

SPANS: Schema = {
    "trace_id": TEXT,
    "segment_id": TEXT,
    "parent_id": TEXT,
    "function": TEXT,
    "version": TEXT,
    "name": TEXT,
    "start": TIME,
    "end": TIME,
    "duration_ms": FLOAT,
    "error": "boolean",
    "fault": "boolean",
    "throttle": "boolean",
    "source": TEXT,
}

REJECTS: Schema = {
    "source": TEXT,
    "line": INT,
    "reason": TEXT,
    "text": TEXT,
}

SCHEMAS: dict[str, Schema] = {
    "invocations": INVOCATIONS,
    "inits": INITS,
    "restores": RESTORES,
    "spans": SPANS,
    "rejects": REJECTS,
}

START_KINDS = ("warm", "init", "restore")
REJECT_TEXT_LIMIT = 200


def empty(schema: Schema) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes. (Built from empty arrays: an empty
    ``pd.Series(dtype=...)`` asks whether ``pd.NA`` is iterable, which the first time in a
    process walks every class registered with ``collections.abc``: 10-60 ms here.)"""
    return pd.DataFrame({name: pd.array([], dtype=dtype) for name, dtype in schema.items()})


def conform(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Return ``frame`` with exactly the schema's columns, in order, cast to its dtypes.

    Missing columns are added as all-``<NA>``; extra columns are dropped. Every producer ends
    here so the faces can rely on the contract.
    """
    out = {}
    n = len(frame)
    for name, dtype in schema.items():
        if name in frame.columns:
            col = frame[name]
            col = pd.to_datetime(col, utc=True).astype(TIME) if dtype == TIME else col.astype(dtype)
        else:
            col = pd.Series(pd.array([None] * n, dtype=dtype), index=frame.index)
        out[name] = col
    return pd.DataFrame(out).reset_index(drop=True)


def from_polars(frame: Any, schema: Schema) -> pd.DataFrame:
    """A Polars frame -> the schema's pandas frame, through Arrow (no Python objects per row)."""
    import polars as pl
    import pyarrow as pa

    polars_types: dict[str, pl.DataType] = {TIME: pl.Datetime("ns", "UTC"), TEXT: pl.String(), FLOAT: pl.Float64(),
                                            INT: pl.Int64(), BOOL: pl.Boolean()}
    frame = frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(polars_types[dtype]).alias(name)
        for name, dtype in schema.items()
    )
    pandas_types = {pa.large_string(): pd.StringDtype(), pa.string(): pd.StringDtype(), pa.string_view():
                    pd.StringDtype(), pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(),
                    pa.bool_(): pd.BooleanDtype()}
    out: pd.DataFrame = frame.to_arrow().to_pandas(types_mapper=pandas_types.get)
    for name, dtype in schema.items():
        if dtype == TIME:
            out[name] = out[name].astype(TIME)
    return out


@dataclass
class Stats:
    """Accounting for every input line: ``lines == parsed + skipped + rejected``.

    ``duplicates`` counts table rows dropped because the same event was read twice (see
    :mod:`logparse.dedupe`): their lines were parsed, and are counted as parsed."""

    lines: int = 0
    parsed: int = 0
    skipped: int = 0
    rejected: int = 0
    bytes: int = 0
    seconds: float = 0.0
    files: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0

    def add(self, other: Stats) -> None:
        """Fold another source's counts into this one."""
        self.lines += other.lines
        self.parsed += other.parsed
        self.skipped += other.skipped
        self.rejected += other.rejected
        self.bytes += other.bytes
        self.seconds += other.seconds
        self.files += other.files
        self.duplicates += other.duplicates
        for kind, n in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + n

    def count(self, kind: str, n: int) -> None:
        """Add ``n`` lines of one kind (``report``, ``app``, ``blank``, ...)."""
        if n:
            self.kinds[kind] = self.kinds.get(kind, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "parsed": self.parsed,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "bytes": self.bytes,
            "files": self.files,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3),
            "kinds": dict(sorted(self.kinds.items())),
        }


@dataclass(frozen=True)
class Window:
    """What :func:`select` cut: ``[since, until)`` (None: open) and the functions and versions
    picked (empty: all)."""

    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    functions: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()

    def picked(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` in the picked functions and versions (times not looked at)."""
        keep = np.ones(len(frame), dtype=bool)
        for column, names in (("function", self.functions), ("version", self.versions)):
            if names and len(frame):
                keep &= frame[column].isin(list(names)).fillna(False).to_numpy(dtype=bool)
        return keep

    def within(self, other: Window | None) -> Window:
        """This cut applied after ``other``: the range inside both, the names picked by both."""
        if other is None:
            return self
        starts = [t for t in (self.since, other.since) if t is not None]
        ends = [t for t in (self.until, other.until) if t is not None]

        def both(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(n for n in a if n in b) if a and b else a or b

        return Window(max(starts) if starts else None, min(ends) if ends else None,
                      both(self.functions, other.functions), both(self.versions, other.versions))


@dataclass
class Tables:
    """Everything one load produced: the five tables plus line accounting."""

    invocations: pd.DataFrame = field(default_factory=lambda: empty(INVOCATIONS))
    inits: pd.DataFrame = field(default_factory=lambda: empty(INITS))
    restores: pd.DataFrame = field(default_factory=lambda: empty(RESTORES))
    spans: pd.DataFrame = field(default_factory=lambda: empty(SPANS))
    rejects: pd.DataFrame = field(default_factory=lambda: empty(REJECTS))
    stats: Stats = field(default_factory=Stats)
    # Facts learned outside the logs (e.g. the Lambda API): one row per function/version with
    # memory_mb, architecture, snapstart, created. Empty when loading files.
    versions: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Counts from joining X-Ray spans to invocations (matched, traces_without_logs, ...).
    xray_join: dict[str, int] = field(default_factory=dict)
    # Set by select() when it cuts a time range: the range and the functions/versions picked,
    # and the tables as loaded (uncut). A version's SnapStart cache is charged for its whole life
    # (3-hour minimum), which is longer than any window: the cost model reads the life from
    # ``unwindowed`` and charges the part inside ``window``.
    window: Window | None = None
    unwindowed: Tables | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, frame) for the five tables, in the order exports write them."""
        yield from (("invocations", self.invocations), ("inits", self.inits),
                    ("restores", self.restores), ("spans", self.spans), ("rejects", self.rejects))


# How a REPORT's fields decide ``start_kind``, first match wins: a Restore Duration means the
# environment was restored from a snapshot, an Init Duration that it ran a full init; else warm.
START_KIND_RULES: tuple[tuple[str, str], ...] = (("restore", "restore_ms"), ("init", "init_ms"))


def start_kind_expr() -> pl.Expr:
    """``start_kind`` of a REPORT row as a Polars expression, by :data:`START_KIND_RULES` (the
    parser's path)."""
    import polars as pl

    kind = pl.lit("warm")
    for name, column in reversed(START_KIND_RULES):  # first rule wins: applied last
        kind = pl.when(pl.col(column).is_not_null()).then(pl.lit(name)).otherwise(kind)
    return kind


def classify_start(init_ms: pd.Series, restore_ms: pd.Series) -> pd.Series:
    """``start_kind`` per invocation of a pandas frame built by hand (tests, benchmarks), by the
    same :data:`START_KIND_RULES` as :func:`start_kind_expr`."""
    columns = {"init_ms": init_ms, "restore_ms": restore_ms}
    kind = pd.Series("warm", index=init_ms.index, dtype=TEXT)
    for name, column in reversed(START_KIND_RULES):
        kind = kind.mask(columns[column].notna(), name)
    return kind


def select(
    tables: Tables,
    functions: Sequence[str] | str | None = None,
    versions: Sequence[str] | str | None = None,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    until_inclusive: bool = False,
) -> Tables:
    """The same Tables cut to some functions/versions and a time range ``[since, until)``
    (``[since, until]`` for a slider's inclusive end). Rows without a time are kept only when no
    range is asked for. Rejects, stats and join counts describe the whole input: kept whole.
    With a time range, the result keeps what was cut (``window``, combined with any earlier cut)
    and the tables as loaded (``unwindowed``) for the cost model."""
    functions = [functions] if isinstance(functions, str) else list(functions or ())
    versions = [versions] if isinstance(versions, str) else list(versions or ())
    timed = since is not None or until is not None

    def cut(frame: pd.DataFrame, time_column: str | None) -> pd.DataFrame:
        if not len(frame):
            return frame
        keep = np.ones(len(frame), dtype=bool)
        if functions and "function" in frame:
            keep &= frame["function"].isin(functions).fillna(False).to_numpy(dtype=bool)
        if versions and "version" in frame:
            keep &= frame["version"].isin(versions).fillna(False).to_numpy(dtype=bool)
        if time_column is not None and since is not None:
            keep &= (frame[time_column] >= since).fillna(False).to_numpy(dtype=bool)
        if time_column is not None and until is not None:
            before = frame[time_column] <= until if until_inclusive else frame[time_column] < until
            keep &= before.fillna(False).to_numpy(dtype=bool)
        return frame if keep.all() else frame[keep].reset_index(drop=True)

    out = replace(
        tables,
        invocations=cut(tables.invocations, "timestamp"),
        inits=cut(tables.inits, "timestamp"),
        restores=cut(tables.restores, "timestamp"),
        spans=cut(tables.spans, "start"),
        versions=cut(tables.versions, None),
    )
    if not timed and tables.window is None:
        return out
    end = until + pd.Timedelta(1, "ns") if until is not None and until_inclusive else until
    window = Window(since, end, tuple(functions), tuple(versions)).within(tables.window)
    return replace(out, window=window, unwindowed=tables.unwindowed if tables.unwindowed is not None else tables)
