"""CSV exports for other tools: atomic, incremental, idempotent.

The CSVs are the product's second face, read by spreadsheets, BI tools and scripts that cron
feeds every few minutes. So:

* **Atomic, as a set.** A run writes its files into a new run folder and publishes them by
  renaming one link (``OUT/current``), so a reader that resolves ``current`` once never sees a new
  ``invocations.csv`` beside an old ``metrics.csv``. A run that dies midway (even ``kill -9``)
  leaves the previous CSVs byte-identical, and the next run removes what it left; the state
  file is saved last.
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

import contextlib
import errno
import io
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from logparse.errors import SnapLensError
from logparse.tables import FLOAT, INT, SCHEMAS, TIME, Schema, Tables, conform

if TYPE_CHECKING:
    from logparse.state import State

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

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"  # ISO-8601 UTC, milliseconds
FORMULA_START = r"^[=+\-@\t\r]"
ESCAPED_START = r"^'[=+\-@\t\r]"


class ExportError(SnapLensError):
    """An export that could not be written or a state file that cannot be used (exit code 1)."""


# --------------------------------------------------------------------------- cells
#
# Rows are handled as text from here on: a Polars frame of strings (null = missing) is exactly
# what the CSV holds, so dedupe compares what is written, whatever dtype or source produced it,
# and a million rows format, anti-join and write in about a second (pandas string ops took 60 s).


def to_text(frame: pd.DataFrame) -> pl.DataFrame:
    """Every cell as the exact text written to the CSV; null where the value is missing."""
    return pl.DataFrame([_text_column(str(name), col) for name, col in frame.items()])


def _text_column(name: str, col: pd.Series) -> pl.Series:
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        times = pl.Series(name, col.reset_index(drop=True))
        zoned = isinstance(times.dtype, pl.Datetime) and times.dtype.time_zone is not None
        times = times.dt.convert_time_zone("UTC") if zoned else times.dt.replace_time_zone("UTC")
        return times.dt.strftime(TIME_FORMAT)
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if pd.api.types.is_bool_dtype(dtype) or kind == "boolean":
        flags = pl.Series(name, col.astype("boolean").reset_index(drop=True))
        return pl.select(pl.when(flags).then(pl.lit("true")).when(~flags).then(pl.lit("false"))
                         .alias(name)).to_series()
    if pd.api.types.is_numeric_dtype(dtype) or kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        numbers = col if pd.api.types.is_numeric_dtype(dtype) else pd.to_numeric(col)
        return pl.Series(name, numbers.reset_index(drop=True), nan_to_null=True).cast(pl.String)
    text = pl.Series(name, col.astype("string").reset_index(drop=True)).cast(pl.String)
    # Formula injection: only text cells are escaped, so "-3.5" in a number column stays a number.
    return pl.select(pl.when(text.str.contains(FORMULA_START)).then(pl.lit("'") + text).otherwise(text)
                     .alias(name)).to_series()


def read_text(path: Path) -> pl.DataFrame:
    """An exported CSV as text: empty unquoted cells are null, ``""`` stays an empty string."""
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def read_csv(path: Path, schema: Schema | None = None) -> pd.DataFrame:
    """Read an exported CSV back: all text (missing as ``""``), or typed and unescaped to ``schema``."""
    text = read_text(path)
    if schema is None:
        return text.with_columns(pl.all().fill_null("")).to_pandas().astype(object)
    typed = text.select([_typed(name, dtype) for name, dtype in schema.items() if name in text.columns])
    return conform(typed.to_pandas(), schema)


def _typed(name: str, dtype: str) -> pl.Expr:
    """The inverse of :func:`_text_column` for one schema column (vectorized in Polars)."""
    col = pl.col(name)
    if dtype == TIME:
        return col.str.strptime(pl.Datetime("ns"), TIME_FORMAT, strict=False).dt.replace_time_zone("UTC")
    if dtype == FLOAT:
        return col.cast(pl.Float64, strict=False)
    if dtype == INT:
        return col.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    if dtype == "boolean":
        return pl.when(col == "true").then(True).when(col == "false").then(False).alias(name)
    return pl.when(col.str.contains(ESCAPED_START)).then(col.str.slice(1)).otherwise(col).alias(name)


# --------------------------------------------------------------------------- writing


def write_csvs(out_dir: Path, frames: dict[str, pd.DataFrame],
               dedupe_keys: dict[str, list[str]] | None = None, append: bool = True, *,
               replace_keys: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Write ``<name>.csv`` for each frame as one new set, all or nothing; return the rows written.

    With ``append`` (the default), rows whose ``dedupe_keys`` are already in the file are
    skipped and the rest appended; frames named in ``replace_keys`` (metrics, costs) replace the
    rows with the same key instead. Without ``append`` every file is rewritten from its frame.
    Rows written counts new or changed rows, so a re-run over the same input returns zeros and
    changes nothing on disk. The set is written into a new run folder (an unchanged file is hard
    linked there, not copied) and published by swapping the ``current`` link; if anything fails
    the run folder is removed and the previous CSVs are untouched. Leftovers of a run that was
    killed (no ``finally`` ran) are removed at the start of the next one.
    """
    out_dir = Path(out_dir)
    dedupe_keys = DEDUPE_KEYS if dedupe_keys is None else dedupe_keys
    replace_keys = REPLACE_KEYS if replace_keys is None else replace_keys
    counts: dict[str, int] = {}
    run: Path | None = None
    published = False
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out_dir)
        current = _link_target(out_dir, CURRENT)
        run = _new_run(out_dir)
        changed = False
        for name, frame in frames.items():
            old, target = out_dir / f"{name}.csv", run / f"{name}.csv"
            text = to_text(frame)
            exists = append and old.exists() and old.stat().st_size > 0
            if name in replace_keys:
                written, counts[name] = _write_replace(old, target, text, _usable(replace_keys[name], text), exists)
            else:
                keys = _usable(dedupe_keys.get(name, []), text)
                written, counts[name] = _write_append(old, target, text, keys, exists)
            changed |= written
            if not written and old.exists():
                _link_or_copy(old, target)
        if not changed:
            return counts
        for kept in sorted(current.glob("*.csv")) if current is not None else ():
            if not (run / kept.name).exists():  # CSVs this call did not touch stay in the set
                _link_or_copy(kept, run / kept.name)
        _fsync_dir(run)
        _publish(out_dir, run)
        published = True
        _fsync_dir(out_dir)
        remove_leftovers(out_dir)
    except OSError as err:
        raise ExportError(f"cannot write CSVs to {out_dir}: {err.strerror or err}",
                          f"{os_hint(err, '--out')}; the previous CSVs were left unchanged") from None
    except pl.exceptions.PolarsError as err:
        raise ExportError(f"cannot read the CSVs already in {out_dir}: {str(err).splitlines()[0]}",
                          "they are not CSVs this tool wrote: move them out of --out or choose another "
                          "--out") from None
    finally:
        if run is not None and not published:
            shutil.rmtree(run, ignore_errors=True)
    return counts


# --------------------------------------------------------------------------- the run folders
#
# OUT/current -> .runs/<id>          the set of the last run: readers open OUT/current/<name>.csv
# OUT/.previous -> .runs/<id>        the set before it, kept one more run for readers still on it
# OUT/<name>.csv -> current/<name>.csv   for tools that open one file at a time
# OUT/.runs/<id>/<name>.csv          the files; a file no run changed is one inode shared by runs

CURRENT = "current"
PREVIOUS = ".previous"
RUNS = ".runs"
# Temp names this module creates in OUT (and OUT/.runs): a killed run may leave any of them.
LEFTOVER = re.compile(r"^\.(?:current|previous|[\w.-]+\.csv)\..+\.tmp$")


def _link_target(out_dir: Path, link: str) -> Path | None:
    """The run folder ``link`` points at, if it is one."""
    try:
        target = os.readlink(out_dir / link)
    except OSError:
        return None
    folder = out_dir / target
    return folder if folder.parent == out_dir / RUNS and folder.is_dir() else None


def _new_run(out_dir: Path) -> Path:
    """An empty, not yet published run folder; its name sorts by time."""
    runs = out_dir / RUNS
    runs.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    run = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=runs))
    os.chmod(run, 0o777 & ~_umask())  # mkdtemp's 0700 would lock out readers the CSVs allow in
    return run


def _publish(out_dir: Path, run: Path) -> None:
    """Make ``run`` the current set: one atomic rename of the ``current`` link swaps every file."""
    current = _link_target(out_dir, CURRENT)
    if current is not None:
        _replace_link(out_dir / PREVIOUS, f"{RUNS}/{current.name}")
    _replace_link(out_dir / CURRENT, f"{RUNS}/{run.name}")
    for csv in sorted(run.glob("*.csv")):
        top = out_dir / csv.name
        wanted = f"{CURRENT}/{csv.name}"
        if not (top.is_symlink() and os.readlink(top) == wanted):
            _replace_link(top, wanted)  # also turns a CSV of the old layout into a link


def _replace_link(link: Path, target: str) -> None:
    tmp = link.parent / f".{link.name.lstrip('.')}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_leftovers(out_dir: Path) -> None:
    """Remove what killed runs left in ``out_dir``: temp files and links, unpublished run folders,
    run folders neither ``current`` nor ``.previous`` points at. Call it holding the lock."""
    keep = {p.name for p in (_link_target(out_dir, CURRENT), _link_target(out_dir, PREVIOUS)) if p}
    for entry in out_dir.iterdir():
        if LEFTOVER.match(entry.name) and (entry.is_symlink() or entry.is_file()):
            entry.unlink(missing_ok=True)
    runs = out_dir / RUNS
    if runs.is_dir():
        for folder in runs.iterdir():
            if folder.name not in keep:
                if folder.is_dir() and not folder.is_symlink():
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` as the same file as ``source`` (a hard link: files are never changed in place,
    so runs can share them), or a copy where the filesystem has no hard links."""
    real = os.path.realpath(source)
    try:
        os.link(real, target)
    except OSError:
        shutil.copy2(real, target)


def os_hint(err: OSError, option: str) -> str:
    """What to do about a failed write, by its cause."""
    hints = {
        errno.ENOTDIR: f"a part of the {option} path is a file, not a folder",
        errno.EEXIST: f"{option} names a file, not a folder",
        errno.EACCES: f"no permission to write there: give an {option} you can write to",
        errno.EPERM: f"no permission to write there: give an {option} you can write to",
        errno.EROFS: f"the {option} filesystem is read-only",
        errno.ENOSPC: "the disk is full: free some space",
        errno.EDQUOT: "the disk quota is used up: free some space",
        errno.ENAMETOOLONG: f"the {option} path is too long",
    }
    return hints.get(err.errno or 0, f"check {option} names a folder you can write to, with free space")


def _usable(keys: list[str], frame: pl.DataFrame) -> list[str]:
    """Key columns present in the frame; all columns if none are (dedupe on the whole row)."""
    present = [k for k in keys if k in frame.columns]
    return present or list(frame.columns)


def _key(keys: list[str]) -> pl.Expr:
    """One string per row key: far faster to dedupe and join than several string columns.
    Null becomes a character no exported cell holds, so a missing value never equals ``""``."""
    parts = [pl.col(k).fill_null("\x00") for k in keys]
    return pl.concat_str(parts, separator="\x1f").alias("__key")


def _first_distinct(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.filter(_key(keys).is_first_distinct())


def _write_append(old: Path, target: Path, new: pl.DataFrame, keys: list[str],
                  exists: bool) -> tuple[bool, int]:
    """``target`` = ``old`` plus the rows of ``new`` not in it; (whether written, rows added)."""
    new = _first_distinct(new, keys)
    if not exists:
        _write(target, new, like=old)
        return True, new.height
    if _header(old) != new.columns:
        # The columns changed since the file was written: rewrite it with the union of both.
        rows = read_text(old)
        fresh = _anti_join(new, rows, keys)
        _write(target, pl.concat([rows, fresh], how="diagonal"), like=old)
        return True, fresh.height
    fresh = _anti_join(new, pl.read_csv(old, columns=keys, infer_schema=False), keys)
    if fresh.is_empty():
        return False, 0
    # Copy the old bytes and append: no re-formatting of a large file's rows.
    shutil.copyfile(old, target)
    _keep_mode(target, old)
    with open(target, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fh.write(b"\n")
        write_rows(fh, fresh, header=False)
        _flush(fh)
    return True, fresh.height


def _write_replace(old: Path, target: Path, new: pl.DataFrame, keys: list[str],
                   exists: bool) -> tuple[bool, int]:
    """``target`` = ``old`` with the rows of ``new`` replacing those of the same key."""
    new = new.filter(_key(keys).is_last_distinct())
    if not exists:
        _write(target, new.sort(keys, nulls_last=True), like=old)
        return True, new.height
    rows = read_text(old)
    merged_columns = new.columns + [c for c in rows.columns if c not in new.columns]
    changed = _anti_join(new, rows, new.columns).height if set(new.columns) <= set(rows.columns) else new.height
    if changed == 0 and rows.columns == merged_columns:
        return False, 0
    kept = _anti_join(rows, new, keys)
    merged = pl.concat([kept, new], how="diagonal").select(merged_columns).sort(keys, nulls_last=True)
    _write(target, merged, like=old)
    return True, changed


def _anti_join(frame: pl.DataFrame, other: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Rows of ``frame`` whose key is not in ``other`` (both text; a missing key column is null)."""
    if frame.is_empty() or other.is_empty():
        return frame
    other = other.select([pl.col(k) if k in other.columns else pl.lit(None, pl.String).alias(k) for k in keys])
    seen = other.select(_key(keys))
    return (frame.with_columns(_key(keys)).join(seen, on="__key", how="anti", maintain_order="left")
            .drop("__key"))


def _header(path: Path) -> list[str]:
    return pl.read_csv(path, n_rows=0, infer_schema=False).columns


def _temp(final: Path) -> Path:
    """An empty temp file next to ``final`` with the permissions ``final`` has (or would get).

    ``mkstemp`` creates files readable by the owner only; renamed into place as is, the CSVs
    would lock out the BI tool or colleague that reads them.
    """
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    try:
        if final.exists():
            os.chmod(fd, final.stat().st_mode & 0o7777)
        else:
            os.chmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(target: Path, frame: pl.DataFrame, like: Path) -> None:
    """A new CSV (header and rows) at ``target``, with the permissions ``like`` has if it exists."""
    with open(target, "xb") as fh:
        write_rows(fh, frame, header=True)
        _flush(fh)
    _keep_mode(target, like)


def _keep_mode(target: Path, like: Path) -> None:
    """A mode the user chose for a CSV (say 0640) survives the runs that rewrite it."""
    with contextlib.suppress(OSError):
        os.chmod(target, like.stat().st_mode & 0o7777)


def write_rows(fh: Any, frame: pl.DataFrame, header: bool) -> None:
    """CSV lines for a text frame: RFC 4180 quoting (a cell holding a comma, quote, CR or LF is
    quoted; a bare CR left unquoted would tear the row in two in every reader), ``\\n`` line
    ends, missing as an empty cell and an empty string as ``""``."""
    frame.write_csv(fh, include_header=header, quote_style="necessary", line_terminator="\n")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A whole table as the exports write it (cells formatted and escaped by :func:`to_text`,
    rows by :func:`write_rows`): for downloads and single-file outputs."""
    out = io.BytesIO()
    write_rows(out, to_text(frame), header=True)
    data: bytes = out.getvalue()
    return data


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


# --------------------------------------------------------------------------- the export command


def run_export(tables: Tables, out_dir: Path, *, bucket: str | None = None, prices: Any = None,
               state: State | None = None, metrics: pd.DataFrame | None = None) -> dict[str, int]:
    """Write the seven CSVs of DESIGN.md from ``tables`` into ``out_dir``; rows written per file.

    Log tables are appended with dedupe. ``metrics.csv`` and ``costs.csv`` are recomputed from
    the merged history (the rows already exported plus the new ones) so that an incremental run,
    which only sees new lines, never replaces a full bucket with a partial one. Pass ``metrics``
    (e.g. from ``insights.insights_metrics``) to write those instead of computing them. The state, if
    any, is saved after the CSVs.
    """
    out_dir = Path(out_dir)
    bucket = bucket or DEFAULT_BUCKET
    frames: dict[str, pd.DataFrame] = dict(iter(tables))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create the output folder {out_dir}: {err.strerror or err}",
                          os_hint(err, "--out")) from None
    with locked(out_dir):
        try:
            history = _history(tables, out_dir)
        except pl.exceptions.PolarsError as err:
            raise ExportError(f"cannot read the CSVs already in {out_dir}: {str(err).splitlines()[0]}",
                              "they are not CSVs this tool wrote: move them out of --out or choose "
                              "another --out") from None
        frames["metrics"] = _metrics(history, bucket) if metrics is None else metrics
        frames["costs"] = _costs(history, prices, bucket)
        counts = write_csvs(out_dir, {name: frames[name] for name in EXPORT_ORDER})
        if state is not None:
            state.save()
    log.info("export to %s: %s", out_dir, counts)
    return counts


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` while reading and rewriting its CSVs.

    Two overlapping cron runs would otherwise both read the old files and the second rename
    would drop the first run's rows. The second run waits instead, then dedupes against the
    first's output. POSIX advisory lock on ``<out>/.snaplens.lock``; a no-op where unavailable.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no fcntl; cron-style overlap is rare there
        yield
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / ".snaplens.lock", "a")  # noqa: SIM115 (closed below, after unlocking)
    except OSError as err:
        raise ExportError(f"cannot lock the output folder {out_dir}: {err.strerror or err}",
                          os_hint(err, "--out")) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
        keys = [k for k in DEDUPE_KEYS[name] if k in both.columns] or list(both.columns)
        first = to_text(both[keys]).select(_key(keys).is_first_distinct()).to_series().to_numpy()
        merged[name] = both[first].reset_index(drop=True)
    return Tables(invocations=merged["invocations"], inits=merged["inits"], restores=merged["restores"],
                  spans=merged["spans"], rejects=tables.rejects, stats=tables.stats, versions=tables.versions)


def _metrics(history: Tables, bucket: str) -> pd.DataFrame:
    from logparse import metrics, repatch

    return repatch.add_runtime_columns(metrics.over_time(history.invocations, bucket), history, bucket)


def _costs(history: Tables, prices: Any, bucket: str) -> pd.DataFrame:
    from logparse import cost, pricetable

    if prices is None:  # the documented default: us-east-1, x86_64 (the output says so)
        prices = pricetable.load_prices().lookup()
    return cost.cost_over_time(history, prices, bucket)
