"""Where the last fetch stopped, per log group: the watermark file of incremental cron runs.

Kept apart from the CSV writer: the state is staged by the fetch while it reads, and saved by
:func:`logparse.export.run_export` only once the CSVs are safely published.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from logparse.export import ExportError, write_atomic
from logparse.timeutil import epoch_ms

STATE_FORMAT = 1
DEFAULT_LOOKBACK = timedelta(minutes=5)
# CloudWatch refuses events more than 2 hours in the future; a watermark further ahead of this
# machine's clock than that comes from a wrong clock or an edited file, and every run would
# fetch an empty window after it.
FUTURE_TOLERANCE = timedelta(hours=2)
MAX_WATERMARK_MS = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp() * 1000)
RESET_HINT = "delete it to start over from --since (the CSV dedupe prevents duplicate rows)"


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

    A state file follows one function: asking it for another function's watermark, or loading
    one whose watermark is in the future or not a date, is an :class:`ExportError` (one line
    naming the file), never a traceback or a silently empty run.
    """

    path: Path | None = None
    lookback: timedelta = DEFAULT_LOOKBACK
    marks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str, lookback: timedelta = DEFAULT_LOOKBACK, *,
             now: datetime | None = None) -> State:
        """The state in ``path``; empty (first run) if the file does not exist yet."""
        path = Path(path)
        if not path.exists():
            return cls(path=path, lookback=lookback)
        try:
            data = json.loads(path.read_bytes())
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            marks: dict[str, dict[str, Any]] = {
                str(key): {"watermark_ms": int(mark["watermark_ms"]),
                           "seen": {str(k): int(v) for k, v in mark.get("seen", {}).items()}}
                for key, mark in data["groups"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as err:
            raise ExportError(f"state file {path} is unreadable: {err}", RESET_HINT) from None
        latest = epoch_ms(now or datetime.now(UTC)) + int(FUTURE_TOLERANCE.total_seconds() * 1000)
        for key, mark in marks.items():
            watermark: int = mark["watermark_ms"]
            if not 0 < watermark <= MAX_WATERMARK_MS:
                raise ExportError(f"state file {path}: the watermark of {key} ({watermark} ms) is not a "
                                  "date", RESET_HINT)
            if watermark > latest:
                raise ExportError(f"state file {path}: the watermark of {key} is {_iso(watermark)}, in the "
                                  "future (every run would fetch nothing)",
                                  f"check this machine's clock, or {RESET_HINT}")
        return cls(path=path, lookback=lookback, marks=marks)

    def since(self, key: str, default: datetime) -> datetime:
        """Where to start fetching ``key``: the watermark minus the lookback, or ``default``."""
        mark = self.marks.get(key)
        if mark is None:
            self._check_function(key)
            return default
        return datetime.fromtimestamp(max(mark["watermark_ms"] - self._lookback_ms, 0) / 1000, UTC)

    def _check_function(self, key: str) -> None:
        """A key new to a state file that only knows other functions: the wrong ``--state``.

        Without this check the run would quietly start again from ``--since`` and the file would
        then mix two functions' watermarks."""
        functions = {_function_of(k) for k in self.marks}
        if functions and _function_of(key) not in functions:
            raise ExportError(f"state file {self.path} holds the watermarks of {', '.join(sorted(functions))}, "
                              f"not of {_function_of(key)}",
                              "give each function its own --state file")

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

    def advance_to(self, key: str, until: datetime, *, now: datetime | None = None) -> None:
        """Move a key without event ids (X-Ray, Insights) to ``until``, or to now if ``until`` is
        later: nothing after now was fetched, and a watermark in the future would skip it."""
        mark = self.marks.setdefault(key, {"watermark_ms": 0, "seen": {}})
        mark["watermark_ms"] = max(mark["watermark_ms"], min(epoch_ms(until), epoch_ms(now or datetime.now(UTC))))

    def to_json(self) -> bytes:
        groups = {key: {"watermark": _iso(mark["watermark_ms"]),
                        "watermark_ms": mark["watermark_ms"],
                        "seen": dict(sorted(mark["seen"].items()))}
                  for key, mark in sorted(self.marks.items())}
        body = {"format": STATE_FORMAT, "updated": _iso(epoch_ms(datetime.now(UTC))), "groups": groups}
        return json.dumps(body, indent=1).encode()

    def save(self) -> None:
        """Write the state file atomically (temp file + rename); temp files a killed run left
        beside it are removed first (saves happen under the output folder's lock)."""
        if self.path is None:
            return
        try:
            for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
                stale.unlink(missing_ok=True)
            write_atomic(self.path, self.to_json())
        except OSError as err:
            raise ExportError(f"cannot write state file {self.path}: {err.strerror or err}",
                              "check the --state path is writable") from None


def _function_of(key: str) -> str:
    """The function a state key belongs to: ``/aws/lambda/f``, ``xray:f`` and
    ``insights:/aws/lambda/f`` all name ``f`` (a custom log group names itself)."""
    for prefix in ("xray:", "insights:"):
        key = key.removeprefix(prefix)
    return key.removeprefix("/aws/lambda/")
