"""Times as users write them (ISO-8601 or relative to now: ``30m``, ``24h``, ``7d``, ``2w``) and as
logs write them (ISO-8601 in S3 exports, terminal copies, JSON events and Logs Insights)."""

from __future__ import annotations

import re

import pandas as pd
import polars as pl

from logparse.errors import UsageError

RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
UNITS = {"s": "s", "m": "min", "min": "min", "h": "h", "d": "D", "w": "W"}
LOG_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")


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
            return now - pd.to_timedelta(amount, unit=unit)
        except (OverflowError, ValueError, pd.errors.OutOfBoundsTimedelta):
            raise TimeError(f"time {text!r} reaches outside the dates this tool can represent") from None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise TimeError(f"cannot read time {text!r}: use ISO-8601 (2026-11-16T10:00Z) or 30m / 24h / 7d") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def parse_log_time(expr: pl.Expr) -> pl.Expr:
    """A column of ISO-8601 / Insights timestamps to UTC; unparseable ones become null."""
    return pl.coalesce([expr.str.to_datetime(fmt, time_zone="UTC", strict=False, time_unit="us")
                        for fmt in LOG_TIME_FORMATS])


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
