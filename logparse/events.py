"""Log events as every envelope is unwrapped into them, and the rejects found while reading.

:mod:`logparse.sources` opens inputs and tells their envelopes apart; :mod:`logparse.envelopes`
(JSON documents) and :mod:`logparse.textlines` (text files) turn each into :class:`Events`, one
Polars frame with the columns of :data:`EVENT_SCHEMA` that :mod:`logparse.platform` parses.
"""


from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd
import polars as pl

from logparse.tables import REJECT_TEXT_LIMIT, REJECTS, Stats, conform

if TYPE_CHECKING:
    from logparse.fastrows import InputRows

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "timestamp": pl.Datetime("us", "UTC"),
    "log_group": pl.String(),
    "log_stream": pl.String(),
    "message": pl.String(),
}


@dataclass
class Events:
    """Log events unwrapped from one input, ready for the platform parser."""

    source: str
    frame: pl.DataFrame
    envelope: str
    lines: int = 0  # lines the input had, when the frame holds only some (see lines.py)
    counted: dict[str, int] = field(default_factory=dict)  # kinds of the lines left out
    fast: InputRows | None = None  # REPORT rows the compiled scanner read (their lines are left out)

    def filled(self, column: str, value: str | None) -> Events:
        """Rows with no ``column`` take ``value`` (a stream or group named by the file's path)."""
        if value is None:
            return self
        return replace(self, frame=self.frame.with_columns(pl.col(column).fill_null(value)))


@dataclass
class Rejects:
    """The rejects found while reading (inputs that cannot be opened, records that cannot be read),
    gathered as records and made one frame at the end; the parser's own rejects come as frames."""

    stats: Stats
    records: list[tuple[str, int | None, str, str]] = field(default_factory=list)

    def unreadable(self, name: str, line: int | None, reason: str, text: str = "", kind: str = "unreadable") -> None:
        """A record that could not be read at all: one reject row, counted as one rejected line."""
        self.records.append((name, line, reason, text[:REJECT_TEXT_LIMIT]))
        self.stats.lines += 1
        self.stats.rejected += 1
        self.stats.count(kind, 1)

    def problem(self, name: str, reason: str) -> None:
        """An input (not a line of it) that could not be read: a reject with no line number."""
        self.records.append((name, None, reason, ""))

    def frame(self) -> pd.DataFrame:
        """The records as one ``rejects`` table."""
        if not self.records:
            return conform(pd.DataFrame(), REJECTS)
        source, line, reason, text = zip(*self.records, strict=True)
        return conform(pd.DataFrame({"source": source, "line": pd.array(line, dtype="Int64"),
                                     "reason": reason, "text": text}), REJECTS)
