"""Times as users write them (ISO-8601 or relative to now: ``30m``, ``24h``, ``7d``, ``2w``) and as
logs write them (ISO-8601 in S3 exports, terminal copies, JSON events and Logs Insights; epoch
milliseconds in CloudWatch API events), and the one rule for which log times are possible."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd
import polars as pl

from logparse.errors import UsageError

RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
Unit = Literal["s", "min", "h", "D", "W"]
UNITS: dict[str, Unit] = {"s": "s", "m": "min", "min": "min", "h": "h", "d": "D", "w": "W"}
LOG_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")


# The one rule for log times, text and JSON formats alike: a platform line dated outside
# 2014-01-01T00:00Z .. 2100-12-31T23:59:59.999999Z is a reject (Lambda launched in November 2014;
# nothing it logs is dated later than this century). A time outside is clamped to just outside the
# window as soon as it is read, so no time can wrap around or overflow a nanosecond timestamp
# (pandas' range ends in 1677 and 2262) before the parser rejects its line.
FIRST_LOG_TIME = datetime(2014, 1, 1, tzinfo=UTC)
END_LOG_TIME = datetime(2101, 1, 1, tzinfo=UTC)  # the first instant outside
LOG_TIME_WINDOW = "2014..2100"
_BEFORE = FIRST_LOG_TIME - timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BEFORE_MS = (FIRST_LOG_TIME - _EPOCH) // timedelta(milliseconds=1) - 1
_END_MS = (END_LOG_TIME - _EPOCH) // timedelta(milliseconds=1)


class TimeError(UsageError, ValueError):
    """A time the user wrote that means nothing: a usage error (exit code 2)."""


def parse_time_arg(text: str | None, now: pd.Timestamp | None = None) -> pd.Timestamp | None:
    """``24h`` means 24 hours before ``now``; anything else must be an ISO-8601 time (UTC if no zone)."""
    if text is None or text == "":
        return None
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    match = RELATIVE.match(text)
    if match:
        amount, unit = float(match.group(1)), UNITS[match.group(2)]
        try:
            return now - pd.Timedelta(amount, unit=unit)
        except (OverflowError, ValueError, pd.errors.OutOfBoundsTimedelta):
            raise TimeError(f"time {text!r} reaches outside the dates this tool can represent") from None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise TimeError(f"cannot read time {text!r}: use ISO-8601 (2026-11-16T10:00Z) or 30m / 24h / 7d") from None
    return utc(stamp)


def utc(value: pd.Timestamp | datetime | str) -> pd.Timestamp:
    """A time in UTC; a time without a zone is taken as UTC (every time in SnapLens is)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def parse_log_time(expr: pl.Expr) -> pl.Expr:
    """A column of ISO-8601 / Insights timestamps to UTC; unparseable ones become null, those
    outside the window are clamped to just outside it (see :data:`FIRST_LOG_TIME`)."""
    return clamp_log_time(pl.coalesce([expr.str.to_datetime(fmt, time_zone="UTC", strict=False, time_unit="us")
                                       for fmt in LOG_TIME_FORMATS]))


def clamp_log_time(expr: pl.Expr) -> pl.Expr:
    """Times outside the window moved to just outside it: still rejected, never out of range."""
    return expr.clip(pl.lit(_BEFORE, pl.Datetime("us", "UTC")), pl.lit(END_LOG_TIME, pl.Datetime("us", "UTC")))


def epoch_ms_time(ms: pl.Series) -> pl.Series:
    """Epoch milliseconds (integers or floats, as JSON has them) to UTC times. Values beyond the
    window, infinite or beyond int64 included, are clamped first: multiplied into microseconds
    they would wrap around (-9.3e15 ms) or overflow."""
    clamped = ms.cast(pl.Float64, strict=False).clip(_BEFORE_MS, _END_MS).cast(pl.Int64, strict=False)
    return pl.from_epoch(clamped, time_unit="ms").dt.replace_time_zone("UTC")


def outside_log_window(expr: pl.Expr) -> pl.Expr:
    """Whether a (clamped) log time is outside the window: the line is then a reject."""
    return (expr < pl.lit(FIRST_LOG_TIME, pl.Datetime("us", "UTC"))) | (
        expr >= pl.lit(END_LOG_TIME, pl.Datetime("us", "UTC")))


def bucket_arg(text: str) -> str:
    """A time bucket as users write it (``5min``, ``1h``, ``1D``), checked: a whole number of
    seconds, at least one (what the metrics and the Logs Insights ``bin()`` can both use)."""
    try:
        seconds = pd.Timedelta(text).total_seconds()
    except (ValueError, TypeError, OverflowError):
        seconds = 0.0
    if not seconds >= 1 or seconds != int(seconds):
        raise TimeError(f"cannot use bucket {text!r}: give a whole number of seconds, e.g. 30s, 5min, 1h, 1D")
    return text



def window(since: str, until: str | None = None, now: pd.Timestamp | None = None) -> tuple[datetime, datetime]:
    """A fetch window: ``since`` and ``until`` (default: now) read against one "now"."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    start = parse_time_arg(since, now) or now
    end = parse_time_arg(until, now) or now
    return start.to_pydatetime(), end.to_pydatetime()


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, as CloudWatch and the state file count time."""
    return int(utc(moment).timestamp() * 1000)

NAT = np.iinfo(np.int64).min  # how NaT reads as int64 nanoseconds


def utc_ns(times: pd.Series | pd.Index) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch, UTC, whatever unit or zone the column had (NaT
    as the int64 minimum): the one conversion every vectorized time computation starts from."""
    ns: np.ndarray = pd.DatetimeIndex(pd.Series(times).astype("datetime64[ns, UTC]")).asi8
    return ns
