"""Tables as the dashboard offers them for download: CSV like the CLI's exports, billed
milliseconds as integers (Lambda bills whole ms), sources relative to the input given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the CLI's exports write it: UTF-8, ISO-8601 UTC times, formula-safe cells."""
    from logparse import export

    return export.csv_bytes(frame)


def relative_sources(frame: pd.DataFrame, inputs: Sequence[str]) -> pd.DataFrame:
    """``frame`` with its ``source`` column relative to the inputs given (``sample_logs/tail/…``
    rather than this machine's absolute path); sources under no input are kept as they are."""
    if "source" not in frame.columns or not len(frame) or not inputs:
        return frame


    source = frame["source"].astype("string")
    for given in inputs:
        base = Path(given.split("*", 1)[0]).expanduser()
        base = base if base.is_dir() or not base.suffix else base.parent
        prefix = str(base.resolve().parent).rstrip("/") + "/"
        if prefix != "/":
            source = source.str.removeprefix(prefix)
    return frame.assign(source=source)


# Lambda bills whole milliseconds: these columns are integers in a download.
WHOLE_MS_COLUMNS = ("billed_duration_ms", "billed_restore_ms")


def for_download(frame: pd.DataFrame, inputs: Sequence[str] = ()) -> pd.DataFrame:
    """A table as the page offers it: billed milliseconds as integers, sources relative."""
    out = relative_sources(frame, inputs)
    whole = {}
    for name in WHOLE_MS_COLUMNS:
        if name in out.columns:
            values = out[name].astype("Float64")
            if ((values.dropna() % 1) == 0).all():
                whole[name] = values.astype("Int64")
    return out.assign(**whole) if whole else out
