"""The compiled scanner's Python side: when to use it, its one-time compile, and its results as
columns.

A text log (a console copy, a file of ``aws logs filter-log-events --output text`` lines, a
CloudWatch export to S3, each message after its time, or an ``aws logs tail`` / ``sam logs``
copy, each message after its time and stream) is mostly Lambda's own START/END/REPORT lines and
application output. :mod:`logparse.scankernel`
reads those in one compiled pass over the bytes, on both cores, and hands every other line to
the general path (:mod:`logparse.sifting`, :mod:`logparse.platform`), which stays the reference.

Fixed costs decide when it runs: importing numba and loading the compiled code take about 0.4 s
in a fresh process, and the first compile on a machine about 10 s (once: the machine code is
cached). So only inputs of at least :data:`MIN_BYTES` use it, and ``SNAPLENS_SCANNER=0`` turns it
off. The cache lives where numba puts it (``__pycache__`` beside this package, else
``~/.cache/numba``); ``NUMBA_CACHE_DIR`` moves it, and where neither is writable it falls back to
a directory under the system's temporary directory.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from logparse import lines, memory
from logparse.fastrows import InputRows, text_array
from logparse.formats import LAYOUT_CODES, PREFIXES
from logparse.reading import Buffer
from logparse.sifting import Picked

PLAIN, S3 = LAYOUT_CODES["plain"], LAYOUT_CODES["s3"]
STREAMS = (LAYOUT_CODES["tail"], LAYOUT_CODES["sam"])  # layouts whose lines interleave log streams
MIN_BYTES = 8 << 20  # inputs smaller than this keep the vectorized path: the scan would not pay its load
XRAY_HEAD = (PREFIXES["xray"] + " ").encode()
SHARE_BYTES = 4 << 20  # below this a buffer is scanned in one share
ROOM = 8  # scratch made for a share has 1/ROOM more room than it needs
SHARES = 4  # a buffer of SHARE_BYTES or more: cut into this many shares, each at least half that size
LOG = logging.getLogger("logparse")
_LOCK = threading.Lock()
_KERNEL: ModuleType | None = None
_FAILED: str | None = None
_POOL: ThreadPoolExecutor | None = None


def enabled() -> bool:
    """Whether the scanner may be used: numba importable and not turned off."""
    return os.environ.get("SNAPLENS_SCANNER", "1") != "0" and _FAILED is None and _numba_installed()


@functools.cache
def _numba_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def wanted(size: int | None) -> bool:
    """Whether an input of ``size`` bytes (None: unknown, a stream) is worth the scanner."""
    return enabled() and (size is None or size >= MIN_BYTES)


def kernel() -> ModuleType | None:
    """The compiled kernel, loaded (or compiled, once per machine) on first use; None if numba
    cannot run here (the vectorized path then serves every input, after one warning)."""
    global _KERNEL, _FAILED
    if _KERNEL is not None or _FAILED is not None:
        return _KERNEL
    with _LOCK:
        if _KERNEL is None and _FAILED is None:
            try:
                _KERNEL = _load()
            except Exception as exc:  # numba failing to build is never the user's error
                _FAILED = f"{type(exc).__name__}: {exc}"
                LOG.warning("the compiled scanner is unavailable (%s); parsing with the vectorized path",
                            _FAILED.splitlines()[0])
    return _KERNEL


def _pool() -> ThreadPoolExecutor:
    """Two workers kept for the process: starting threads per buffer costs milliseconds each."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(2, thread_name_prefix="snaplens-scan")
        return _POOL


def warm_in_background() -> threading.Thread | None:
    """Load (or compile) the kernel in a background thread, so the first large input does not
    wait for it: the dashboard calls this as it starts."""
    if not enabled() or _KERNEL is not None:
        return None
    thread = threading.Thread(target=kernel, name="snaplens-scanner-warm", daemon=True)
    thread.start()
    return thread


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def choose_cache_dir(numba_imported: bool | None = None) -> None:
    """Numba caches beside the module, else in ``~/.cache/numba``; with neither writable (a
    read-only install run by a user without a home) importing a cached function fails. Then a
    directory of our own under the temporary directory is set, before numba is imported (it
    reads the variable once)."""
    if numba_imported is None:
        numba_imported = "numba" in sys.modules
    if os.environ.get("NUMBA_CACHE_DIR") or numba_imported:
        return
    beside = Path(__file__).resolve().parent / "__pycache__"
    try:
        home: Path | None = Path.home() / ".cache" / "numba"
    except RuntimeError:  # no home directory at all
        home = None
    if _writable(beside) or (home is not None and _writable(home)):
        return
    fallback = Path(tempfile.gettempdir()) / f"snaplens-numba-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(fallback)


NOTICE_AFTER = 1.5  # seconds: loading cached machine code takes less, a compile much more
SIGNATURES = {
    "scan": "int64(uint8[::1], uint64[::1], uint64[::1], int64, int64, int64, int64, int64[::1], uint8[::1], "
            "int64[:, ::1], "
            "float64[:, ::1], uint8[::1], uint8[::1], int64[::1], int64[::1], int64[::1], uint8[::1], uint8[::1])",
    "scan_streams": "int64(uint8[::1], uint64[::1], uint64[::1], int64, int64, int64, int64, int64[::1], "
                    "int64[:, ::1], float64[:, ::1], uint8[::1], uint8[::1], int64[::1], int64[::1], int64[::1], "
                    "uint8[::1], uint8[::1])",
    "line_maps": "int64(uint8[::1], int64, int64, uint64[::1], uint64[::1])",
    "content_start": "int64(uint8[::1], int64, int64, int64)",
    "gather": "int64(uint8[::1], int64[::1], int64[::1], int64[::1], uint8[::1])",
    "trace_end": "int64(uint8[::1], int64, int64)",
    "exact_fields": "int64(uint8[::1], int64[::1], int64[::1], uint8[::1], int64[:, ::1])",
}


def _load() -> ModuleType:
    """Import the kernel and compile (or load from the cache) its one signature each. Loading
    cached code takes well under a second; if it takes longer, this is the first compile on the
    machine, and a one-line notice says so while it runs."""
    choose_cache_dir()
    notice = threading.Timer(NOTICE_AFTER, lambda: print(
        "snaplens: compiling the parser once, ~10 s (kept in numba's cache for every later run)",
        file=sys.stderr, flush=True))
    notice.daemon = True
    notice.start()
    try:
        from logparse import scankernel

        _compile(scankernel)
    finally:
        notice.cancel()
    # Arrow's first computation in a process sets up its kernels (about 0.3 s): done here too, so
    # the first large input pays it with the scanner's other one-time costs, not in its parse.
    pc.take(pa.array(["warm"]), pa.array(np.zeros(1, np.int64)))
    return scankernel


def _compile(kernel: ModuleType) -> None:
    for name, signature in SIGNATURES.items():
        dispatcher = getattr(kernel, name)
        if not dispatcher.signatures:
            dispatcher.compile(signature)
            dispatcher.disable_compile()  # another argument type is an error, never a silent compile


@dataclass
class Carry:
    """What one buffer's scan leaves for the next: the START line above (copied out, since the
    buffer is reused), and whether the next START must be a general line."""

    start: int = 0  # scankernel.NO_START, EXACT_START or OTHER_START
    sent: bool = False  # the START is a general line already
    row: int = 0  # its line (0-based, in the input)
    text: bytes = b""
    request_id: bytes = b""
    version: str = ""
    pending_start: bool = False
    layout: int = PLAIN  # formats.LAYOUT_CODES: plain, an S3 export, aws logs tail, sam logs
    open: OpenReport | None = None  # the REPORT on the last line of the buffer before
    rows: InputRows = field(default_factory=InputRows)  # the REPORT rows read
    arrays: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # per share, reused

    def scratch(self, share: int) -> dict[str, np.ndarray]:
        return self.arrays.setdefault(share, {})


@dataclass
class Scanned:
    """One buffer scanned: the general lines (for the string parser, as the sifter gives them,
    with the lines only counted per kind) and how many lines it held (the REPORT rows read are
    in ``Carry.rows``)."""

    picked: Picked
    lines: int
    reaches_back: bool  # a line of an earlier buffer (a carried START) is among the picked


def scan_buffer(buffer: Buffer, low: int, high: int, first_row: int, carry: Carry) -> Scanned:
    """Scan the whole lines of ``buffer[low:high]`` (rows from ``first_row``), continuing
    ``carry``, which is updated for the next buffer."""
    k = kernel()
    assert k is not None
    data = np.frombuffer(buffer, np.uint8)
    after, before, delta = _close_open_report(k, buffer, data, low, high, carry)
    skip, low = int(after > low), after
    shares = _shares(k, buffer, data, low, high, carry.layout)
    carried_id = np.frombuffer(carry.request_id.ljust(k.REQUEST_ID, b"\0"), np.uint8).copy()
    states = [_state_from(carry, k)] + [k.new_state() for _ in shares[1:]]

    def scan(i: int, state: np.ndarray) -> _Share:
        return _prepared(k, data, _scan_share(k, data, shares[i], state, carried_id, carry.scratch(i),
                                              carry.layout), carry)

    if len(shares) == 1:
        done = [scan(0, states[0])]
    else:
        done = list(_pool().map(lambda i: scan(i, states[i]), range(len(shares))))
        for i in range(1, len(shares)):
            # A later share started as if it were the first; where the share before left the next
            # START pending, or it wanted the START above its first line, it is scanned again
            # after that share (rare: only odd lines make it so).
            previous = done[i - 1].state
            if previous[k.S_PENDING_START] or done[i].state[k.S_BEFORE_NEEDED]:
                done[i] = scan(i, _continued(k, previous))
    scanned = _assemble(k, data, done, first_row, skip, before, carry)
    for kind, n in delta.items():
        scanned.picked.counted[kind] = scanned.picked.counted.get(kind, 0) + n
    last = int(done[-1].state[k.S_PREV_REPORT])
    if last >= 0:  # the last line: its XRAY trailer may open the next buffer
        begin, end = (int(done[-1].ints[column, last]) for column in (k.I_BEGIN, k.I_END))
        carry.open = OpenReport(int(carry.rows.line[carry.rows.n - 1]) - 1, data[begin:end].tobytes())
    return scanned


@dataclass
class OpenReport:
    """A REPORT on the last line of a buffer (the last row read so far): read, but its XRAY
    trailer may be the next buffer's first line (``row``: 0-based in the input)."""

    row: int
    text: bytes


def _close_open_report(k: ModuleType, buffer: Buffer, data: np.ndarray, low: int, high: int, carry: Carry
                       ) -> tuple[int, list[tuple[int, bytes, int]], dict[str, int]]:
    """The REPORT left open by the buffer before, settled by this buffer's first line: an exact
    XRAY trailer gives it its trace id (and the line is done: where the line after it starts is
    returned, else ``low``); any other trailer sends it, with its START, to the general path (the
    lines returned, as (row, text, code)), as the kernel does within a buffer (in an S3 export, a
    first line only the general path can read goes there with them)."""
    found, carry.open = carry.open, None
    if found is None or low >= high:
        return low, [], {}
    stop = buffer.find(b"\n", low, high)
    stop = high if stop < 0 else stop
    end = stop - 1 if stop > low and buffer[stop - 1] == 13 else stop
    content = k.content_start(data, low, end, carry.layout) if end > low else low
    if content >= 0 and not _starts(buffer, XRAY_HEAD, content, end):
        return low, [], {}
    if content >= 0:
        trace_end = k.trace_end(data, content, end)
        if trace_end >= 0:  # (an exact trailer has no room for the timeout message)
            carry.rows.set_last_trace(bytes(buffer[content + len(XRAY_HEAD):trace_end]))
            return min(stop + 1, high), [], {"xray": 1}
    carry.rows.drop_last()
    before = [(found.row, found.text, k.C_REPORT)]
    delta = {"report": -1}
    if carry.start != k.NO_START and not carry.sent:
        before.append((carry.row, carry.text, k.C_START))
        carry.sent = True
        delta["start"] = -1
    return low, before, delta


GENERAL = ("lines", "begins", "ends", "codes", "odd")  # a share's general lines: row, where, kind, non-ASCII


@dataclass
class _Share:
    """One share's scan: its final state, its REPORT rows and its general lines (share-local rows)."""

    state: np.ndarray
    ints: np.ndarray
    floats: np.ndarray
    ids: np.ndarray
    versions: np.ndarray
    lines: np.ndarray
    begins: np.ndarray
    ends: np.ndarray
    codes: np.ndarray
    odd: np.ndarray
    # Copied out by the worker that scanned the share (see _prepared):
    text: pa.Array | None = field(default=None, init=False)  # its general lines' text
    values: dict[str, _Values] = field(default_factory=dict, init=False)  # where its rows' text values lie
    exact: tuple[pa.Array, pa.Array] | None = field(default=None, init=False)  # its exact lines' fields

    def general_arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, name) for name in GENERAL)


def _prepared(k: ModuleType, data: np.ndarray, share: _Share, carry: Carry) -> _Share:
    """What the buffer's assembly needs of one share, found by the worker that scanned it, while
    the other scans its next: its general lines copied out, where its rows' text values lie."""
    g = int(share.state[k.S_GENERAL])
    share.text = _text(k, data, share.begins[:g], share.ends[:g], bool(share.odd[:g].any()))
    if carry.layout == PLAIN:  # (an S3 export's general lines are read with their kinds, from their text)
        share.exact = _exact_fields(k, data, share.begins[:g], share.ends[:g], share.codes[:g])
    share.values = _text_values(k, data, share, int(share.state[k.S_REPORTS]), carry)
    return share


def _scan_share(k: ModuleType, data: np.ndarray, share: tuple[int, int], state: np.ndarray,
                carried_id: np.ndarray, scratch: dict[str, np.ndarray], layout: int) -> _Share:
    """Scan one share into the arrays of ``scratch``, reused from buffer to buffer (on this VM
    memory touched for the first time costs about 1 ms per MB), grown where they are short."""
    low, high = share
    rows = (high - low) // 100 + 2  # an exact REPORT line is longer than 100 bytes: never full
    if "ints" not in scratch or scratch["ints"].shape[1] < rows:
        rows += rows // ROOM  # shares differ by a few lines: room for the next, not fresh memory for it
        scratch.update(ints=memory.empty((k.N_INTS, rows), np.int64), floats=memory.empty((k.N_FLOATS, rows)),
                       ids=memory.empty(rows * k.REQUEST_ID, np.uint8),
                       versions=memory.empty(rows * 8 + 64, np.uint8))
    if "lines" not in scratch:
        scratch.update(zip(GENERAL, _general_arrays((high - low) // 512 + 64), strict=True))
    blocks = (high - low) // 64 + 2
    if "newlines" not in scratch or len(scratch["newlines"]) < blocks:
        blocks += blocks // ROOM
        scratch.update(newlines=memory.empty(blocks, np.uint64), starts=memory.empty(blocks, np.uint64))
    newlines, starts, base = scratch["newlines"], scratch["starts"], low >> 6
    k.line_maps(data, low, high, newlines, starts)
    found = _Share(state, *(scratch[name] for name in ("ints", "floats", "ids", "versions", *GENERAL)))
    at = low
    while True:
        if layout in STREAMS:
            at = k.scan_streams(data, newlines, starts, base, at, high, layout, state, found.ints, found.floats,
                                found.ids, found.versions, *found.general_arrays())
        else:
            at = k.scan(data, newlines, starts, base, at, high, layout, state, carried_id, found.ints,
                        found.floats, found.ids, found.versions, *found.general_arrays())
        if at >= high:
            return found
        # Full: twice the room, what was found so far kept.
        if state[k.S_GENERAL] + 3 > len(found.lines):
            grown = _general_arrays(2 * len(found.lines))
            for name, old, new in zip(GENERAL, found.general_arrays(), grown, strict=True):
                new[:len(old)] = old
                setattr(found, name, new)
                scratch[name] = new
        else:
            versions = np.empty(2 * len(found.versions) + int(state[k.S_START_VERLEN]), np.uint8)
            versions[:len(found.versions)] = found.versions
            found.versions = scratch["versions"] = versions


def _general_arrays(n: int) -> tuple[np.ndarray, ...]:
    return (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8),
            np.zeros(n, np.uint8))


def _shares(k: ModuleType, buffer: Buffer, data: np.ndarray, low: int, high: int, layout: int
            ) -> list[tuple[int, int]]:
    """The buffer cut into :data:`SHARES` shares for the two workers (more shares than workers: a
    worker slowed by the read-ahead thread takes fewer), only right before a START line that
    follows a REPORT or XRAY line (blank lines between): a request's lines are never split, so a
    share can start as if it were the first. In an S3 export the START's time is before it. A
    tail or sam copy is cut before any line that is not below a REPORT (:func:`_stream_cut`)."""
    if (os.cpu_count() or 1) < 2 or high - low < SHARE_BYTES:
        return [(low, high)]
    parts = SHARES if not SHARE_BYTES else max(2, min(SHARES, 2 * (high - low) // SHARE_BYTES))
    cuts = [low]
    for part in range(1, parts):
        at = max(cuts[-1] + 1, low + (high - low) * part // parts)
        cut = _stream_cut(buffer, at, cuts[-1], high) if layout in STREAMS else \
            _start_cut(k, buffer, data, at, cuts[-1], high, layout)
        if cut is not None:
            cuts.append(cut)
    cuts.append(high)
    return list(itertools.pairwise(cuts))


def _start_cut(k: ModuleType, buffer: Buffer, data: np.ndarray, at: int, low: int, high: int, layout: int
               ) -> int | None:
    """The first START line from ``at`` that a share may begin with (see _shares), or None."""
    stamped = layout == S3
    needle, before = (b" START RequestId:", len(k.STAMP) - 1) if stamped else (b"\nSTART RequestId:", -1)
    for _ in range(64):
        found = buffer.find(needle, at, high)
        if found < 0:
            break
        at, line = found + 1, found - before
        if line - 1 <= low or buffer[line - 1] != 10:
            continue
        if stamped and k.content_start(data, line, found + 1, S3) != found + 1:
            continue
        previous = _line_before(buffer, line, low)
        if previous is not None:
            content = k.content_start(data, previous[0], previous[1], layout)
            if content >= 0 and any(_starts(buffer, head, content, previous[1]) for head in (b"REPORT ", b"XRAY ")):
                return line
    return None


def _stream_cut(buffer: Buffer, at: int, low: int, high: int) -> int | None:
    """The first line from ``at`` whose line above holds no ``REPORT``, or None. In a tail or sam
    copy only the lines below a REPORT look at the line above them (its trailer, or a line that
    may be one), so a share may start there as if it were the first."""
    for _ in range(64):
        newline = buffer.find(b"\n", at, high)
        if newline < 0 or newline + 1 >= high:
            return None
        above = max(low, buffer.rfind(b"\n", low, newline) + 1)
        if buffer.find(b"REPORT", above, newline) < 0:
            return newline + 1
        at = newline + 1
    return None


def _starts(buffer: Buffer, prefix: bytes, at: int, end: int) -> bool:
    """Whether ``buffer[at:end]`` starts with ``prefix`` (an mmap has no ``startswith``)."""
    return end - at >= len(prefix) and buffer[at:at + len(prefix)] == prefix


def _line_before(buffer: Buffer, line: int, low: int) -> tuple[int, int] | None:
    """Where the last line before ``line`` that is not blank starts and ends (its CR left out)."""
    end = line - 1  # its newline
    for _ in range(8):
        if end <= low:
            return None
        start = max(low, buffer.rfind(b"\n", low, end) + 1)
        stop = end - 1 if buffer[end - 1] == 13 and end - 1 >= start else end
        if stop > start:
            return start, stop
        end = start - 1
    return None


COUNTERS = ("S_REPORTS", "S_GENERAL", "S_LINES", "S_APP", "S_END", "S_STARTS", "S_XRAYS", "S_LATE",
            "S_CARRIED_NEEDED", "S_VBYTES", "S_BEFORE_NEEDED", "S_BLANK")


def _continued(k: ModuleType, before: np.ndarray) -> np.ndarray:
    """The state a share starts from when the share before it left something pending: its
    flags, with the counters of a share of its own."""
    state = before.copy()
    state[k.S_START_ROW] -= before[k.S_LINES]  # rows count from this share's first line
    for name in COUNTERS:
        state[getattr(k, name)] = 0
    state[k.S_PREV_REPORT] = -1
    return state


def _state_from(carry: Carry, k: ModuleType) -> np.ndarray:
    state: np.ndarray = k.new_state()
    state[k.S_START], state[k.S_SENT] = carry.start, int(carry.sent)
    state[k.S_START_BEGIN] = k.CARRIED
    state[k.S_PENDING_START] = int(carry.pending_start)
    return state


def _assemble(k: ModuleType, data: np.ndarray, shares: list[_Share], first_row: int, skip: int,
              before: list[tuple[int, bytes, int]], carry: Carry) -> Scanned:
    """The shares' findings as one buffer's: rows numbered in the input, strings copied out.
    ``skip``: lines taken before the scan (a trailer of the buffer before); ``before``: general
    lines of earlier buffers, as (row, text, code), which this buffer's lines made general."""
    row = first_row + skip
    general: list[tuple[np.ndarray, np.ndarray, tuple[pa.Array, pa.Array] | None]] = []  # rows, codes, fields
    texts: list[pa.Array] = []
    counted = dict.fromkeys(("app", "blank", "end", "report", "start", "xray"), 0)
    reordered = reaches_back = False

    def from_earlier(lines_before: list[tuple[int, bytes, int]]) -> None:
        nonlocal reordered, reaches_back
        general.append((np.array([line - first_row for line, _, _ in lines_before], np.int64),
                        np.array([code for _, _, code in lines_before], np.uint8),
                        (pa.nulls(len(lines_before), pa.large_string()),) * 2))  # (read with a pattern)
        texts.append(lines.as_text(pa.array([text for _, text, _ in lines_before], pa.large_binary()), True))
        reordered = reaches_back = True

    if before:
        from_earlier(before)
    first_rows = list(itertools.accumulate((int(share.state[k.S_LINES]) for share in shares[:-1]), initial=row))
    _append(k, data, shares, first_rows, carry)
    for share in shares:
        state = share.state
        n, g = int(state[k.S_REPORTS]), int(state[k.S_GENERAL])
        general.append((share.lines[:g] + (row - first_row), share.codes[:g].copy(), share.exact))
        assert share.text is not None
        texts.append(share.text)
        reordered |= bool(state[k.S_LATE])
        for kind, slot in (("app", k.S_APP), ("blank", k.S_BLANK), ("end", k.S_END), ("start", k.S_STARTS),
                           ("xray", k.S_XRAYS)):
            counted[kind] += int(state[slot])
        counted["report"] += n
        if state[k.S_CARRIED_NEEDED]:  # a general line here wants the START of an earlier buffer
            counted["start"] -= 1
            from_earlier([(carry.row, carry.text, k.C_START)])
        _carry_from(k, data, state, carry, row)
        row += int(state[k.S_LINES])
    rows = np.concatenate([rows for rows, _, _ in general])
    codes = np.concatenate([codes for _, codes, _ in general])
    plain = carry.layout == PLAIN
    text = pa.chunked_array(texts, pa.large_string())
    exact = tuple(pa.chunked_array([fields[i] for _, _, fields in general if fields is not None], pa.large_string())
                  for i in range(2)) if plain else None
    if reordered:  # lines made general after the lines below them: back in line order
        order = np.argsort(rows, kind="stable")
        rows, codes, text = rows[order], codes[order], text.take(pa.array(order))
        exact = tuple(values.take(pa.array(order)) for values in exact) if exact is not None else None
    # (an S3 export's general lines get their kinds from their messages, as the vectorized path's do)
    picked = Picked(rows, pl.Series("text", text, dtype=pl.String), codes if plain else None,
                    {kind: n for kind, n in counted.items() if n}, exact)
    return Scanned(picked, row - first_row, reaches_back)


def _carry_from(k: ModuleType, data: np.ndarray, state: np.ndarray, carry: Carry, first_row: int) -> None:
    """What the next share or buffer needs of this one's last lines (copied: the buffer is reused)."""
    carry.start, carry.sent = int(state[k.S_START]), bool(state[k.S_SENT])
    carry.pending_start = bool(state[k.S_PENDING_START])
    begin = int(state[k.S_START_BEGIN])
    if carry.start == k.NO_START or begin == k.CARRIED:
        return
    end = int(state[k.S_START_END])
    carry.row, carry.text = first_row + int(state[k.S_START_ROW]), data[begin:end].tobytes()
    rid, version = int(state[k.S_START_RID]), int(state[k.S_START_VER])
    if carry.start == k.EXACT_START:
        carry.request_id = data[rid:rid + k.REQUEST_ID].tobytes()
        carry.version = data[version:version + int(state[k.S_START_VERLEN])].tobytes().decode()


def _exact_fields(k: ModuleType, data: np.ndarray, begins: np.ndarray, ends: np.ndarray, codes: np.ndarray
                  ) -> tuple[pa.Array, pa.Array]:
    """The two fields of each general line in an exact layout (:func:`scankernel.exact_fields`),
    copied out as text; null on the other lines."""
    spans = np.empty((len(begins), k.N_SPANS), np.int64)
    k.exact_fields(data, begins, ends, codes, spans)
    fields = []
    for at, length in ((spans[:, 0], spans[:, 1]), (spans[:, 2], spans[:, 3])):
        found = at >= 0
        lengths = np.where(found, length, 0)
        offsets, out = np.empty(len(begins) + 1, np.int64), np.empty(int(lengths.sum()), np.uint8)
        k.gather(data, np.where(found, begins + at, 0), lengths, offsets, out)
        fields.append(text_array(offsets, out, found))  # (the layouts' fields are ASCII)
    return fields[0], fields[1]


def _text(k: ModuleType, data: np.ndarray, begins: np.ndarray, ends: np.ndarray, odd: bool) -> pa.Array:
    """The lines ``data[begins[i]:ends[i]]`` copied out one after the other, as text."""
    offsets = np.empty(len(begins) + 1, np.int64)
    out = np.empty(int((ends - begins).sum()), np.uint8)
    k.gather(data, np.ascontiguousarray(begins), np.ascontiguousarray(ends - begins), offsets, out)
    binary = pa.Array.from_buffers(pa.large_binary(), len(begins), [None, pa.py_buffer(offsets), pa.py_buffer(out)])
    return lines.as_text(binary, odd)


def _append(k: ModuleType, data: np.ndarray, shares: list[_Share], first_rows: list[int], carry: Carry) -> None:
    """The shares' REPORT rows copied into the input's columns (``carry.rows``), each at its place
    (``first_rows``: each share's first line in the input, 0-based). The places are known once every
    share is scanned, so the shares are copied at once, on both workers: the copies are mostly
    the first touch of the columns' memory, which on this VM costs 1-3 ms per MB."""
    rows = carry.rows
    plans: list[tuple[_Share, int, int, int, dict[str, int]]] = []
    at, used = rows.n, {name: texts.used for name, texts in rows.texts.items()}
    for share, first_row in zip(shares, first_rows, strict=True):
        n = int(share.state[k.S_REPORTS])
        plans.append((share, n, first_row, at, dict(used)))
        at += n
        for name, (_, _, lengths, _) in share.values.items():
            used[name] += int(lengths.sum())
    rows.reserve(at - rows.n)
    for name, texts in rows.texts.items():
        texts.room(used[name] - texts.used)
    if len(plans) == 1:
        _copy_rows(k, rows, *plans[0])
    else:
        list(_pool().map(lambda plan: _copy_rows(k, rows, *plan), plans))
    rows.n = at
    for name, texts in rows.texts.items():
        texts.used = used[name]


_Values = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # a text column's source, begins, lengths, valid


def _text_values(k: ModuleType, data: np.ndarray, share: _Share, n: int, carry: Carry) -> dict[str, _Values]:
    """Where a share's rows' text values lie: the version in the share's versions (or the carried
    START's), the trace id and the stream in the buffer."""
    ints = share.ints[:, :n]
    version_at, used = ints[k.I_VER], int(share.state[k.S_VBYTES])
    has_version, carried = version_at >= 0, version_at == k.CARRIED_VERSION
    lengths = np.where(has_version, ints[k.I_VERLEN], 0)
    source, begins = share.versions, np.where(has_version, version_at, 0)
    if carried.any():  # the START of the buffer before: its version, copied out then
        source = np.concatenate([share.versions[:used], np.frombuffer(carry.version.encode(), np.uint8)])
        begins = np.where(carried, used, begins)
        lengths = np.where(carried, len(carry.version), lengths)
    traced = ints[k.I_TRACE] >= 0
    values = {"version": (source, begins, lengths, has_version | carried),
              "trace_id": (data, np.where(traced, ints[k.I_TRACE], 0), np.where(traced, ints[k.I_TRACELEN], 0), traced)}
    if "log_stream" in carry.rows.texts:  # a tail or sam copy: each row's own stream
        values["log_stream"] = (data, ints[k.I_STREAM], ints[k.I_STREAMLEN], np.ones(n, bool))
    return values


def _copy_rows(k: ModuleType, rows: InputRows, share: _Share, n: int, first_row: int, at: int,
               text_at: dict[str, int]) -> None:
    """One share's rows copied in at row ``at`` (its text values at ``text_at``): a slice of
    every column that no other share's copy writes."""
    ints = share.ints[:, :n]
    rows.line[at:at + n] = ints[k.I_LINE] + first_row + 1
    rows.floats[:, at:at + n] = share.floats[:, :n]
    rows.memory_mb[at:at + n], rows.max_memory_mb[at:at + n] = ints[k.I_MEM], ints[k.I_MAXMEM]
    if rows.time is not None:
        rows.time[at:at + n] = ints[k.I_TIME]
    rows.ids[at * k.REQUEST_ID:(at + n) * k.REQUEST_ID] = share.ids[:n * k.REQUEST_ID]
    for name, (source, begins, lengths, valid) in share.values.items():
        texts, begin = rows.texts[name], text_at[name]
        k.gather(source, np.ascontiguousarray(begins), np.ascontiguousarray(lengths), np.empty(n + 1, np.int64),
                 texts.data[begin:begin + int(lengths.sum())])
        texts.lengths[at:at + n], texts.valid[at:at + n] = lengths, valid
