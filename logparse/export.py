"""CSV exports for other tools: atomic, incremental, idempotent.

The CSVs are the product's second face, read by spreadsheets, BI tools and scripts that cron
feeds every few minutes. So:

* **Atomic.** Every file is staged as a temp file in the output folder (same filesystem, so
  ``os.replace`` is an atomic rename), and only when all of them are staged are they renamed. A
  run that dies midway leaves the previous CSVs byte-identical; the state file is saved last.
* **Incremental and idempotent.** Rows are appended; a row whose key is already in the file is
  not written again, so re-running over the same input adds nothing. Keys are source-independent
  (a fetched event and the same event read from a file have the same key). ``metrics`` and
  ``costs`` are recomputed from the whole history and replace their rows per bucket, function
  and version.
* **Plain.** UTF-8 *without* a BOM: a BOM turns the first header into ``\\ufefftimestamp`` for
  pandas, csvkit, DuckDB-less pipelines and ``cut``/``awk``, and breaks appending; Excel opens the
  files with Data > From Text/CSV (UTF-8). A header line, ``\\n`` line ends, ISO-8601 UTC times
  with milliseconds (``2026-11-16T10:00:00.123Z``), ``true``/``false``, empty for missing.
* **Safe to open in a spreadsheet.** Text cells starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return get a leading ``'`` so they are not run as formulas (OWASP "CSV injection").
  Numeric columns are never touched: ``-3.5`` stays a number.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from logparse.tables import FLOAT, INT, SCHEMAS, TIME, Tables, conform

log = logging.getLogger(__name__)

# Source-independent identity of a row. Never the request id alone (async retries reuse it) and
# never the source file or line number (a fetch and a file differ there).
DEDUPE_KEYS: dict[str, list[str]] = {
    "invocations": ["function", "request_id", "timestamp", "log_stream", "duration_ms"],
    "inits": ["timestamp", "function", "version", "phase", "init_kind", "status", "error_type",
              "init_ms", "runtime_version"],
    "restores": ["timestamp", "function", "version", "restore_ms", "status", "error_type",
                 "runtime_version"],
    "spans": ["trace_id", "segment_id"],
    "rejects": ["source", "line", "reason", "text"],
}
# Aggregates are recomputed, not appended: a new row replaces the old one for its key.
REPLACE_KEYS: dict[str, list[str]] = {
    "metrics": ["bucket_start", "function", "version"],
    "costs": ["bucket_start", "function", "version"],
}
EXPORT_ORDER = ("invocations", "inits", "restores", "spans", "rejects", "metrics", "costs")
# A fixed default: an automatic bucket would change with each run's time range and mix widths
# in one metrics.csv.
DEFAULT_BUCKET = "1h"

FORMULA_START = r"^[=+\-@\t\r]"
ESCAPED_START = r"^'[=+\-@\t\r]"


class ExportError(Exception):
    """An export that could not be written or a state file that could not be read."""

    exit_code = 1

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self._hint = hint

    def hint(self) -> str:
        """What the user can do about it."""
        return self._hint

    def __str__(self) -> str:
        return f"{self.args[0]} ({self._hint})"


# --------------------------------------------------------------------------- cells


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the exact text written to the CSV (also what dedupe compares)."""
    return pd.DataFrame({name: _format_column(col) for name, col in frame.items()},
                        index=pd.RangeIndex(len(frame)), columns=list(frame.columns))


def _format_column(col: pd.Series) -> pd.Series:
    col = col.reset_index(drop=True)
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        utc = col.dt.tz_convert("UTC") if isinstance(dtype, pd.DatetimeTZDtype) else col
        values = utc.dt.tz_localize(None).to_numpy(dtype="datetime64[ms]")
        text = pd.Series(np.datetime_as_string(values, unit="ms"), dtype=object) + "Z"
        return text.where(col.notna().to_numpy(), "")
    if pd.api.types.is_bool_dtype(dtype):
        return col.map({True: "true", False: "false"}).astype(object).where(col.notna(), "")
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if pd.api.types.is_numeric_dtype(dtype) or kind in ("integer", "floating", "mixed-integer-float",
                                                        "decimal"):
        return col.astype("string").fillna("").astype(object)
    if kind == "boolean":
        return col.map({True: "true", False: "false"}).astype(object).where(col.notna(), "")
    text = col.astype("string")
    risky = text.str.contains(FORMULA_START, regex=True).fillna(False).astype(bool)
    return ("'" + text).where(risky, text).fillna("").astype(object)


def escape_cell(value: str) -> str:
    """One text cell made safe for spreadsheets (the rule ``format_frame`` applies)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def read_csv(path: Path, schema: dict[str, str] | None = None) -> pd.DataFrame:
    """Read an exported CSV back: all text, or typed and unescaped to ``schema`` if given."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    if schema is None:
        return raw
    typed: dict[str, Any] = {}
    for name, dtype in schema.items():
        if name not in raw:
            continue
        text = raw[name].where(raw[name] != "")
        if dtype == TIME:
            typed[name] = pd.to_datetime(text, utc=True, format="ISO8601")
        elif dtype in (FLOAT, INT):
            typed[name] = pd.to_numeric(text)
        elif dtype == "boolean":
            typed[name] = text.map({"true": True, "false": False}).astype("boolean")
        else:
            escaped = text.str.contains(ESCAPED_START, regex=True).fillna(False).astype(bool)
            typed[name] = text.where(~escaped, text.str[1:])
    return conform(pd.DataFrame(typed, index=raw.index), schema)


# --------------------------------------------------------------------------- writing


def write_csvs(out_dir: Path, frames: dict[str, pd.DataFrame],
               dedupe_keys: dict[str, list[str]] | None = None, append: bool = True, *,
               replace_keys: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Write ``<name>.csv`` for each frame, all or nothing; return the rows written per file.

    With ``append`` (the default), rows whose ``dedupe_keys`` are already in the file are
    skipped and the rest appended; frames named in ``replace_keys`` (metrics, costs) replace the
    rows with the same key instead. Without ``append`` every file is rewritten from its frame.
    A file whose content would not change is not rewritten. Rows written counts new or changed
    rows, so a re-run over the same input returns zeros.
    """
    out_dir = Path(out_dir)
    dedupe_keys = DEDUPE_KEYS if dedupe_keys is None else dedupe_keys
    replace_keys = REPLACE_KEYS if replace_keys is None else replace_keys
    staged: list[tuple[Path, Path]] = []
    counts: dict[str, int] = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            final = out_dir / f"{name}.csv"
            text = format_frame(frame)
            exists = append and final.exists() and final.stat().st_size > 0
            if name in replace_keys:
                keys = _usable(replace_keys[name], text)
                tmp, counts[name] = _stage_replace(final, text, keys, exists)
            else:
                keys = _usable(dedupe_keys.get(name, []), text)
                tmp, counts[name] = _stage_append(final, text, keys, exists)
            if tmp is not None:
                staged.append((tmp, final))
        for tmp, final in staged:
            os.replace(tmp, final)
        _fsync_dir(out_dir)
    except OSError as err:
        raise ExportError(f"cannot write CSVs to {out_dir}: {err.strerror or err}",
                          "check the --out folder exists, is writable and has free space; "
                          "the previous CSVs were left unchanged") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return counts


def _usable(keys: list[str], frame: pd.DataFrame) -> list[str]:
    """Key columns present in the frame; all columns if none are (dedupe on the whole row)."""
    present = [k for k in keys if k in frame.columns]
    return present or list(frame.columns)


def _stage_append(final: Path, new: pd.DataFrame, keys: list[str], exists: bool
                  ) -> tuple[Path | None, int]:
    new = new.drop_duplicates(subset=keys, keep="first")
    if not exists:
        return _stage(final, new, header=True), len(new)
    header = _header(final)
    if header != list(new.columns):
        # The columns changed since the file was written: rewrite it with the union of both.
        old = read_csv(final)
        fresh = _anti_join(new, old, keys)
        merged = pd.concat([old, fresh], ignore_index=True).fillna("")
        return _stage(final, merged, header=True), len(fresh)
    old_keys = pd.read_csv(final, dtype=str, usecols=keys, keep_default_na=False, na_filter=False,
                           encoding="utf-8")
    fresh = _anti_join(new, old_keys, keys)
    if fresh.empty:
        return None, 0
    # Copy the old bytes and append: no re-parse of a large file, and still atomic.
    tmp = _temp(final)
    try:
        shutil.copyfile(final, tmp)
        with open(tmp, "rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            needs_newline = fh.read(1) != b"\n"
        with open(tmp, "a", encoding="utf-8", newline="") as fh:
            if needs_newline:
                fh.write("\n")
            write_rows(fh, fresh, header=False)
            _flush(fh)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, len(fresh)


def _stage_replace(final: Path, new: pd.DataFrame, keys: list[str], exists: bool
                   ) -> tuple[Path | None, int]:
    new = new.drop_duplicates(subset=keys, keep="last")
    if not exists:
        return _stage(final, new.sort_values(keys, ignore_index=True), header=True), len(new)
    old = read_csv(final)
    columns = list(new.columns) + [c for c in old.columns if c not in new.columns]
    old = old.reindex(columns=columns, fill_value="")
    new = new.reindex(columns=columns, fill_value="")
    changed = len(_anti_join(new, old, columns))
    if changed == 0 and _header(final) == columns:
        return None, 0
    kept = _anti_join(old, new, keys)
    merged = pd.concat([kept, new], ignore_index=True).sort_values(keys, ignore_index=True)
    return _stage(final, merged, header=True), changed


def _anti_join(frame: pd.DataFrame, other: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of ``frame`` whose key is not in ``other`` (both all-text)."""
    if other.empty or frame.empty:
        return frame
    other = other.reindex(columns=keys, fill_value="")
    mine = pd.MultiIndex.from_frame(frame[keys].astype(str))
    theirs = pd.MultiIndex.from_frame(other[keys].astype(str))
    return frame[~mine.isin(theirs)]


def _header(path: Path) -> list[str]:
    return list(pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8").columns)


def _temp(final: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    return Path(name)


def _stage(final: Path, frame: pd.DataFrame, header: bool) -> Path:
    tmp = _temp(final)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            write_rows(fh, frame, header=header)
            _flush(fh)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_rows(fh: Any, frame: pd.DataFrame, header: bool) -> None:
    """Write all-text ``frame`` as CSV lines: RFC 4180 quoting, ``\\n`` line ends.

    Not ``DataFrame.to_csv``: with ``\\n`` line ends Python's csv writer leaves a bare carriage
    return unquoted, which every reader then takes for a line break and the row is torn in two.
    Here any cell holding a comma, quote, CR or LF is quoted, vectorized per column.
    """
    columns = [_quote(col) for _, col in frame.items()]
    if header:
        fh.write(",".join(_quote(pd.Series(list(frame.columns), dtype=object))) + "\n")
    if not len(frame):
        return
    if len(columns) == 1:  # an empty single cell would be a blank line, which readers skip
        columns[0] = columns[0].mask(columns[0] == "", '""')
    lines = columns[0].str.cat(columns[1:], sep=",") if len(columns) > 1 else columns[0]
    fh.write("\n".join(lines.tolist()) + "\n")


def _quote(col: pd.Series) -> pd.Series:
    text = col.astype(object).reset_index(drop=True)
    needs = text.str.contains(r'[",\r\n]', regex=True)
    return ('"' + text.str.replace('"', '""', regex=False) + '"').where(needs, text)


def _flush(fh: Any) -> None:
    """Data on disk before the rename, so a power cut cannot leave an empty renamed file."""
    fh.flush()
    os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    """Persist the renames themselves (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename (temp file in the same folder, fsynced)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            _flush(fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


# --------------------------------------------------------------------------- state (watermarks)

STATE_FORMAT = 1
DEFAULT_LOOKBACK = timedelta(minutes=5)


def _ms(t: datetime) -> int:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t
    return int(t.timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass
class State:
    """Where the last run stopped, per log group: so a cron run fetches only what is new.

    For each key (a log group, or ``xray:<function>``) the state keeps the watermark (the latest
    event time seen) and the ids of events within ``lookback`` of it. The next run starts at
    ``watermark - lookback``, because CloudWatch may ingest an event a little after later ones,
    and drops the ids it has already seen. Changes are staged in memory; ``save()`` writes the
    file atomically, and ``run_export`` calls it only after the CSVs are in place, so a crash
    means the next run fetches the same events again (and the CSV dedupe ignores them).
    Events that arrive more than ``lookback`` late are not fetched by incremental runs.
    """

    path: Path | None = None
    lookback: timedelta = DEFAULT_LOOKBACK
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str, lookback: timedelta = DEFAULT_LOOKBACK) -> State:
        """The state in ``path``; empty (first run) if the file does not exist yet."""
        path = Path(path)
        if not path.exists():
            return cls(path=path, lookback=lookback)
        try:
            data = json.loads(path.read_bytes())
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            marks = {key: {"watermark_ms": int(mark["watermark_ms"]),
                           "seen": {str(k): int(v) for k, v in mark.get("seen", {}).items()}}
                     for key, mark in data["groups"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise ExportError(f"state file {path} is unreadable: {err}",
                              "delete it to start over from --since (the CSV dedupe prevents "
                              "duplicate rows)") from None
        return cls(path=path, lookback=lookback, marks=marks)

    def since(self, key: str, default: datetime) -> datetime:
        """Where to start fetching ``key``: the watermark minus the lookback, or ``default``."""
        mark = self.marks.get(key)
        if mark is None:
            return default
        return datetime.fromtimestamp((mark["watermark_ms"] - self._lookback_ms) / 1000, UTC)

    @property
    def _lookback_ms(self) -> int:
        return int(self.lookback.total_seconds() * 1000)

    def take(self, key: str, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events not seen before, and advance the watermark past all of them."""
        mark = self.marks.setdefault(key, {"watermark_ms": 0, "seen": {}})
        seen: dict[str, int] = mark["seen"]
        new = [e for e in events if str(e["eventId"]) not in seen]
        if new:
            mark["watermark_ms"] = max(mark["watermark_ms"], *(int(e["timestamp"]) for e in new))
        seen.update((str(e["eventId"]), int(e["timestamp"])) for e in new)
        floor = mark["watermark_ms"] - self._lookback_ms
        mark["seen"] = {k: v for k, v in seen.items() if v >= floor}
        if not mark["watermark_ms"]:
            del self.marks[key]
        return new

    def advance_to(self, key: str, until: datetime) -> None:
        """Move a key without event ids (X-Ray, Insights) to ``until``."""
        mark = self.marks.setdefault(key, {"watermark_ms": 0, "seen": {}})
        mark["watermark_ms"] = max(mark["watermark_ms"], _ms(until))

    def to_json(self) -> bytes:
        groups = {key: {"watermark": _iso(mark["watermark_ms"]),
                        "watermark_ms": mark["watermark_ms"],
                        "seen": dict(sorted(mark["seen"].items()))}
                  for key, mark in sorted(self.marks.items())}
        body = {"format": STATE_FORMAT, "updated": _iso(_ms(datetime.now(UTC))), "groups": groups}
        return json.dumps(body, indent=1).encode()

    def save(self) -> None:
        """Write the state file atomically (temp file + rename)."""
        if self.path is None:
            return
        try:
            write_atomic(self.path, self.to_json())
        except OSError as err:
            raise ExportError(f"cannot write state file {self.path}: {err.strerror or err}",
                              "check the --state path is writable") from None


# --------------------------------------------------------------------------- the export command


def run_export(tables: Tables, out_dir: Path, *, bucket: str | None = None, prices: Any = None,
               state: State | None = None, metrics: pd.DataFrame | None = None) -> dict[str, int]:
    """Write the seven CSVs of DESIGN.md from ``tables`` into ``out_dir``; rows written per file.

    Log tables are appended with dedupe. ``metrics.csv`` and ``costs.csv`` are recomputed from
    the merged history (the rows already exported plus the new ones) so that an incremental run,
    which only sees new lines, never replaces a full bucket with a partial one. Pass ``metrics``
    (e.g. from ``aws.insights_metrics``) to write those instead of computing them. The state, if
    any, is saved after the CSVs.
    """
    out_dir = Path(out_dir)
    bucket = bucket or DEFAULT_BUCKET
    frames: dict[str, pd.DataFrame] = dict(iter(tables))
    history = _history(tables, out_dir)
    if metrics is None:
        metrics = _metrics(history, bucket)
    if metrics is not None:
        frames["metrics"] = metrics
    costs = _costs(history, prices, bucket)
    if costs is not None:
        frames["costs"] = costs
    counts = write_csvs(out_dir, {name: frames[name] for name in EXPORT_ORDER if name in frames})
    if state is not None:
        state.save()
    log.info("export to %s: %s", out_dir, counts)
    return counts


def _history(tables: Tables, out_dir: Path) -> Tables:
    """The new tables merged with the rows already exported (deduped like the CSVs)."""
    merged: dict[str, pd.DataFrame] = {}
    for name in ("invocations", "inits", "restores", "spans"):
        new = getattr(tables, name)
        path = out_dir / f"{name}.csv"
        if not (path.exists() and path.stat().st_size > 0):
            merged[name] = new
            continue
        old = read_csv(path, SCHEMAS[name])
        both = pd.concat([old, conform(new, SCHEMAS[name])], ignore_index=True)
        keys = _usable(DEDUPE_KEYS[name], both)
        merged[name] = both[~format_frame(both[keys]).duplicated(keep="first")].reset_index(drop=True)
    return Tables(rejects=tables.rejects, stats=tables.stats, versions=tables.versions, **merged)


def _metrics(history: Tables, bucket: str) -> pd.DataFrame | None:
    try:
        from logparse import metrics
    except ImportError:  # TODO(issue 7): remove once logparse.metrics lands (issue 6)
        log.warning("logparse.metrics is not available: metrics.csv not written")
        return None
    return metrics.over_time(history.invocations, bucket)


def _costs(history: Tables, prices: Any, bucket: str) -> pd.DataFrame | None:
    try:
        from logparse import cost
    except ImportError:  # TODO(issue 7): remove once logparse.cost lands (issue 6)
        log.warning("logparse.cost is not available: costs.csv not written")
        return None
    if prices is None:  # the documented default: us-east-1, x86_64 (the output says so)
        prices = cost.load_prices().lookup()
    return cost.cost_over_time(history, prices, bucket)
