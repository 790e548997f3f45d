"""The compiled line scanner: one pass over the bytes of a plain text log (or of a CloudWatch
export to S3, each message after its time; a tail or sam copy: :func:`scan_streams`), Lambda's
exact lines read straight into columns, every other line handed to the general path.

Imported only by :mod:`logparse.scanner`, which sets numba's cache directory first and decides
when the scan is worth its fixed cost. The rules here mirror the vectorized readers exactly
(:func:`logparse.fields.report_rows`, :func:`~logparse.fields.start_rows`, the ``xray`` layout,
:func:`logparse.sifting.sift_plain`) and are held to them by the differential tests in
``tests/test_scanner.py``; whatever a rule here is not sure of goes to the general path.

Which lines stay here, and why the rest keep their neighbours right:

- a REPORT in the exact layout becomes a row; its version comes from the START above it (same
  request id), its trace id from an exact ``XRAY`` line right below it;
- a START in the exact layout only lends its version; END and application lines are counted;
- everything else is a *general* line (with its kind code, as the sifter gives it). Whenever a
  general line needs a neighbour that the stitching finds by position (a REPORT's START above, an
  INIT/RESTORE line's START above and below, an INIT_START's next REPORT, an XRAY line's REPORT
  above), that neighbour is made general too, so the general path sees the lines it would have
  seen in the whole file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types, uint64, uintp
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic as _typed_intrinsic

from logparse.formats import (
    FIELD_BY_COLUMN,
    LAYOUT_CODES,
    PREFIXES,
    REPORT_ENDS,
    REPORT_SEPARATORS,
    S3_STAMP_SHAPE,
    START_VERSION,
    TIMEOUT_MARK,
)
from logparse.kinds import KIND_CODES

intrinsic: Any = _typed_intrinsic  # (its calls take the typer's arguments after the first: untypable)

# The helpers below are plain ``@njit`` functions, not ``inline="always"``: numba's IR inlining
# deep-copies a callee's IR at every call site, and with it the first compile took 50-57 s instead
# of 9-10 s. LLVM inlines them anyway: the scan is as fast either way.
# Bytes are read at unsigned indices (``data[uintp(i)]``): at a signed one numba adds a check for
# a negative index (three instructions per byte read), and the scan took 10% more CPU.
# The scan's functions are compiled without numba's reference counting (``_nrt=False``: they make
# no arrays, and copy bytes in loops, not slices): with it, every call of a helper counted its
# array arguments up and down with atomic instructions, 35% of the scan's time (perf), and a
# REPORT line took 240 ns instead of 135.
NO_REFCOUNTS: dict[str, Any] = {"_nrt": False}
_helper = njit(**NO_REFCOUNTS)
_entry = njit(nogil=True, cache=True, **NO_REFCOUNTS)  # what scanner.py calls: compiled once, cached


def _literal(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), np.uint8).copy()


def _after_tab(column: str) -> np.ndarray:
    return _literal(f"\t{FIELD_BY_COLUMN[column].key}: ")


# The exact layouts, from the one definition in logparse.formats.
REPORT_HEAD = _literal(PREFIXES["report"] + " ")
SEP_DURATION, SEP_BILLED, SEP_MEMORY, SEP_MAX = (_literal(sep) for _, sep in REPORT_SEPARATORS)
MB = _literal(REPORT_ENDS[1])
SEP_INIT, SEP_RESTORE = _after_tab("init_ms"), _after_tab("restore_ms")
MS = _literal(" " + FIELD_BY_COLUMN["init_ms"].unit)
SEP_BILLED_RESTORE = _literal(" ms" + "\t" + FIELD_BY_COLUMN["billed_restore_ms"].key + ": ")
START_HEAD = _literal(PREFIXES["start"] + " ")
START_VER = _literal(START_VERSION)
XRAY_HEAD = _literal(PREFIXES["xray"] + " ")
SEP_SEGMENT, SEP_SAMPLED = _literal("\tSegmentId: "), _literal("\tSampled: ")
PREFIX_BYTES = [_literal(PREFIXES[kind]) for kind in ("report", "start", "end", "init_start", "init_report",
                                                       "restore_start", "restore_report", "xray")]
P_REPORT, P_START, P_END, P_INIT_START, P_INIT_REPORT, P_RESTORE_START, P_RESTORE_REPORT, P_XRAY = PREFIX_BYTES
C_REPORT, C_START, C_END = KIND_CODES["report"], KIND_CODES["start"], KIND_CODES["end"]
C_INIT_START, C_INIT_REPORT = KIND_CODES["init_start"], KIND_CODES["init_report"]
C_RESTORE_START, C_RESTORE_REPORT = KIND_CODES["restore_start"], KIND_CODES["restore_report"]
C_XRAY, C_APP = KIND_CODES["xray"], KIND_CODES["app"]
REQUEST_ID = 36
POW10 = np.array([10.0 ** k for k in range(23)])
TIMEOUT = _literal(TIMEOUT_MARK)
# INIT_START, RESTORE_START and RESTORE_REPORT in Lambda's exact layouts (formats.LAYOUTS).
RUNTIME_KEY = _literal(FIELD_BY_COLUMN["runtime_version"].key + ": ")
ARN_KEY = _after_tab("runtime_version_arn")
RESTORE_KEY = _literal(PREFIXES["restore_report"] + FIELD_BY_COLUMN["restore_ms"].key + ": ")
RESTORE_UNIT = _literal(" " + FIELD_BY_COLUMN["restore_ms"].unit)
N_SPANS = 4  # where a general line's fields lie: (start, length) of the first and of the second
TIMEOUT_0, TIMEOUT_1 = TIMEOUT[0], TIMEOUT[1]  # "Ta": the places the timeout message may start
LAST_BIT = np.uint64(1 << 63)
VECTOR = 64  # bytes compared at once by _equal_bits, _outside_bits and _same_bits
ID_BITS = np.uint64((1 << REQUEST_ID) - 1)  # a request id's bytes in such a compare
MAX_DIGITS = 15  # below 2**53: the mantissa is exact, and one division by 10**k rounds correctly

# An S3 export's lines: ``<time> <message>``, the time as CloudWatch writes it (digits where 0).
STAMP = _literal(S3_STAMP_SHAPE)
NO_TIME = np.iinfo(np.int64).min  # NaT
FIRST_YEAR, LAST_YEAR = 2014, 2100  # logparse.timeutil's window: a time outside is the general path's reject
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
STAMPED, UNSTAMPED, UNSURE = 1, 0, -1  # what a line of an S3 export starts with (see _stamp)
PLAIN, S3, TAIL, SAM = (LAYOUT_CODES[name] for name in ("plain", "s3", "tail", "sam"))
# ``aws logs tail`` and ``sam logs`` times: this, 3 or 6 digits of the second, then ``Z`` or ``+00:00``.
ISO_HEAD = _literal("0000-00-00T00:00:00.")
UTC_OFFSET = _literal("+00:00")

# The fast REPORT rows, one row of these arrays per column: integers, then floats (NaN: no such field).
I_LINE, I_BEGIN, I_END, I_RID, I_MEM, I_MAXMEM, I_VER, I_VERLEN, I_TRACE, I_TRACELEN, I_TIME, I_STREAM, \
    I_STREAMLEN = range(13)
N_INTS = 13
F_DUR, F_BILLED, F_INIT, F_RESTORE, F_BRESTORE = range(5)
N_FLOATS = 5

# The scan's state, carried from one call to the next (a resume, or the next share of the input).
(S_START, S_SENT, S_START_ROW, S_START_BEGIN, S_START_END, S_START_RID, S_START_VER, S_START_VERLEN,
 S_PENDING_START, S_VBYTES, S_PREV_REPORT, S_LINES, S_CARRIED_NEEDED, S_REPORTS, S_GENERAL,
 S_APP, S_END, S_STARTS, S_XRAYS, S_LATE, S_BEFORE_NEEDED, S_BLANK) = range(22)
N_STATE = 22
NO_START, EXACT_START, OTHER_START = 0, 1, 2  # what the last START line above was
CARRIED = -1  # S_START_BEGIN of a START read before this buffer: its bytes are in the carry arrays
CARRIED_VERSION = -2  # I_VER of a row whose version is the carried START's


@_helper
def _has(data, at, end, literal):  # type: ignore[no-untyped-def]
    n = len(literal)
    if at + n > end:
        return False
    for k in range(n):
        if data[uintp(at + k)] != literal[k]:
            return False
    return True


@_helper
def _ends_line(data, at, end):  # type: ignore[no-untyped-def]
    """Whether only an optional tab is left of the line (the layouts' ``\\t?$``)."""
    return at == end or (at + 1 == end and data[uintp(at)] == 9)


@_helper
def _word_end(data, at, end):  # type: ignore[no-untyped-def]
    """End of a value of printable ASCII without spaces or colons (the general path reads such a
    value whole); ``at`` itself when none starts there."""
    i = at
    while i < end and i + VECTOR <= len(data):  # 64 bytes at a time (a request id is 36)
        bits = _outside_bits(data, i, np.uint8(0x21), np.uint8(0x7E)) | _equal_bits(data, i, np.uint8(0x3A))
        if bits != 0:
            return min(i + _lowest_bit(bits), end)
        i += VECTOR
    while i < end:
        byte = data[uintp(i)]
        if byte < 0x21 or byte > 0x7E or byte == 0x3A:
            break
        i += 1
    return min(i, end)


@_helper
def _number(data, at, end):  # type: ignore[no-untyped-def]
    """A plain decimal number (``12``, ``12.50``) and where it ends; end -1 for anything else,
    or for more digits than one exact division reads."""
    mantissa, digits, i = 0, 0, at
    while i < end and 48 <= data[uintp(i)] <= 57:
        mantissa = mantissa * 10 + (data[uintp(i)] - 48)
        digits += 1
        i += 1
    if digits == 0:
        return 0.0, -1
    decimals = 0
    if i < end and data[uintp(i)] == 46:
        i += 1
        while i < end and 48 <= data[uintp(i)] <= 57:
            mantissa = mantissa * 10 + (data[uintp(i)] - 48)
            digits += 1
            decimals += 1
            i += 1
        if decimals == 0:
            return 0.0, -1
    if digits > MAX_DIGITS:
        return 0.0, -1
    return mantissa / POW10[decimals], i


@_helper
def _whole(data, at, end):  # type: ignore[no-untyped-def]
    """A whole number above 0 (memory in MB) and where it ends; end -1 for anything else."""
    value, digits, i = 0, 0, at
    while i < end and 48 <= data[uintp(i)] <= 57:
        value = value * 10 + (data[uintp(i)] - 48)
        digits += 1
        i += 1
    if digits == 0 or digits > MAX_DIGITS or value == 0:
        return 0, -1
    return value, i


@_helper
def _digits(data, at, n):  # type: ignore[no-untyped-def]
    value = 0
    for k in range(n):
        value = value * 10 + (data[uintp(at + k)] - 48)
    return value


@_helper
def _stamp(data, at, end):  # type: ignore[no-untyped-def]
    """What a line of an S3 export starts with, and its time in ns since the epoch (UTC):
    STAMPED, a time in :data:`STAMP`'s layout, a real date within the log window, then a space;
    UNSTAMPED, no time at all (the line starts with a letter: a continuation line such as the
    ``XRAY`` trailer, which the general path reads as a whole line too); UNSURE, anything else
    (another time format, a date that is not one, a time outside the window: the general path
    decides, as it parses times with :func:`logparse.timeutil.parse_log_time`)."""
    shaped = end - at >= len(STAMP)
    for k in range(len(STAMP) if shaped else 0):
        byte, want = data[uintp(at + k)], STAMP[k]
        if (want == 48 and not 48 <= byte <= 57) or (want != 48 and byte != want):
            shaped = False
            break
    if not shaped:  # (the caller never passes a blank line)
        return NO_TIME, UNSTAMPED if 97 <= data[uintp(at)] | 0x20 <= 122 else UNSURE
    seconds = _seconds(data, at)
    if seconds < 0:
        return NO_TIME, UNSURE
    return seconds * 1_000_000_000 + _digits(data, at + 20, 3) * 1_000_000, STAMPED


@_helper
def _seconds(data, at):  # type: ignore[no-untyped-def]
    """The whole seconds since the epoch (UTC) of ``YYYY-MM-DDTHH:MM:SS`` at ``at`` (digits where
    digits belong, the caller checked); -1 for a date that is not one or a time outside the log
    window, which only the general path reads (:func:`logparse.timeutil.parse_log_time`)."""
    year, month, day = _digits(data, at, 4), _digits(data, at + 5, 2), _digits(data, at + 8, 2)
    hour, minute, second = _digits(data, at + 11, 2), _digits(data, at + 14, 2), _digits(data, at + 17, 2)
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12 and hour <= 23 and minute <= 59
            and second <= 59):
        return -1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= DAYS_IN_MONTH[month - 1] + (1 if month == 2 and leap else 0):
        return -1
    # Days since 1970-01-01 (H. Hinnant's days_from_civil, for years after 0).
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    of_era = y - era * 400
    of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    days = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    return ((days * 24 + hour) * 60 + minute) * 60 + second


@_helper
def _iso_time(data, at, end):  # type: ignore[no-untyped-def]
    """A time as ``aws logs tail`` and ``sam logs`` write it (:data:`ISO_HEAD`, 3 or 6 digits of
    the second, ``Z`` or ``+00:00``) at ``at``, in ns since the epoch, and where it ends; the end
    is -1 for any other time, or one the general path reads differently (see :func:`_seconds`)."""
    head = len(ISO_HEAD)
    if end - at < head + 4:
        return NO_TIME, -1
    for k in range(head):
        byte, want = data[uintp(at + k)], ISO_HEAD[k]
        if (want == 48 and not 48 <= byte <= 57) or (want != 48 and byte != want):
            return NO_TIME, -1
    i = at + head
    while i < end and i - (at + head) < 7 and 48 <= data[uintp(i)] <= 57:
        i += 1
    digits = i - (at + head)
    if digits != 3 and digits != 6:
        return NO_TIME, -1
    if i < end and data[uintp(i)] == 90:  # Z
        i += 1
    elif _has(data, i, end, UTC_OFFSET):
        i += len(UTC_OFFSET)
    else:
        return NO_TIME, -1
    seconds = _seconds(data, at)
    if seconds < 0:
        return NO_TIME, -1
    fraction = _digits(data, at + head, digits) * (1_000_000 if digits == 3 else 1_000)
    return seconds * 1_000_000_000 + fraction, i


@_helper
def _no_time_at(data, at, end):  # type: ignore[no-untyped-def]
    """Whether the space-separated word at ``at`` cannot be a time to the general path: it is
    empty, or starts with a byte no time starts with (digits and signs can, and whitespace, which
    the general path skips: ASCII's, and Unicode's, such as U+00A0, whose bytes are over 0x7F)."""
    if at >= end:
        return True
    byte = data[uintp(at)]
    return 0x20 <= byte < 0x80 and not (48 <= byte <= 57 or byte == 43 or byte == 45)


@_helper
def _printable_end(data, at, end):  # type: ignore[no-untyped-def]
    """Where a word of printable ASCII (no space) from ``at`` ends."""
    i = at
    while i < end and 0x21 <= data[uintp(i)] <= 0x7E:
        i += 1
    return i


@_helper
def _stream_prefix(data, at, end, layout):  # type: ignore[no-untyped-def]
    """Where the message of a line of ``aws logs tail`` (``<time> <stream> <message>``) or
    ``sam logs`` (``<stream> <time> <message>``) starts, where its stream's name lies, and its
    time. A line whose time word cannot be a time (a message's continuation, such as the XRAY
    trailer) is its own message, with no stream (-1) and no time. Content -1: only the general
    path can tell (another time format, an odd stream name, no message)."""
    if layout == TAIL:
        if _no_time_at(data, at, end):
            return at, -1, -1, NO_TIME
        time, i = _iso_time(data, at, end)
        stream = i + 1
        if i < 0 or i >= end or data[uintp(i)] != 32:
            return -1, -1, -1, NO_TIME
    else:
        space = at
        while space < end and data[uintp(space)] != 32:
            space += 1
        if space >= end or _no_time_at(data, space + 1, end):
            return at, -1, -1, NO_TIME
        if space == at or _printable_end(data, at, space) != space:
            return -1, -1, -1, NO_TIME
        time, i = _iso_time(data, space + 1, end)
        if i < 0 or i + 1 >= end or data[uintp(i)] != 32:
            return -1, -1, -1, NO_TIME
        return i + 1, at, space, time
    stream_end = _printable_end(data, stream, end)
    if stream_end == stream or stream_end + 1 >= end or data[uintp(stream_end)] != 32:
        return -1, -1, -1, NO_TIME
    return stream_end + 1, stream, stream_end, time


@_entry
def content_start(data, at, end, layout):  # type: ignore[no-untyped-def]
    """Where the message of the line ``data[at:end]`` (not blank) starts in the ``layout``, or -1
    when only the general path can tell (see :func:`_stamp`, :func:`_stream_prefix`)."""
    if layout == PLAIN:
        return at
    if layout == S3:
        how = _stamp(data, at, end)[1]
        return at + len(STAMP) if how == STAMPED else (at if how == UNSTAMPED else -1)
    return _stream_prefix(data, at, end, layout)[0]


@_helper
def _bracketed(data, at, end):  # type: ignore[no-untyped-def]
    """Where the version in a stream's name (``2026/11/16/[7]abc``: ``7``) lies, as the general
    path's ``\\[([^\\]]+)\\]`` finds it: the first ``[`` with a ``]`` after it and something
    between; (-1, -1) for none."""
    i = at
    while i < end:
        if data[uintp(i)] == 91:  # [
            close = i + 1
            while close < end and data[uintp(close)] != 93:  # ]
                close += 1
            if close >= end:
                return -1, -1
            if close > i + 1:
                return i + 1, close
        i += 1
    return -1, -1


@_helper
def _report(data, begin, end, ints, floats, row):  # type: ignore[no-untyped-def]
    """Read a REPORT in Lambda's exact layout into row ``row``; False for any other REPORT."""
    at = begin + len(REPORT_HEAD)
    if not _has(data, begin, end, REPORT_HEAD) or _word_end(data, at, end) != at + REQUEST_ID:
        return False
    r = uintp(row)  # (an unsigned index: no check for a negative one at each write)
    ints[I_RID, r] = at
    at += REQUEST_ID
    if not _has(data, at, end, SEP_DURATION):
        return False
    value, at = _number(data, at + len(SEP_DURATION), end)
    if at < 0 or not _has(data, at, end, SEP_BILLED):
        return False
    floats[F_DUR, r] = value
    value, at = _number(data, at + len(SEP_BILLED), end)
    if at < 0 or not _has(data, at, end, SEP_MEMORY):
        return False
    floats[F_BILLED, r] = value
    whole, at = _whole(data, at + len(SEP_MEMORY), end)
    if at < 0 or not _has(data, at, end, SEP_MAX):
        return False
    ints[I_MEM, r] = whole
    whole, at = _whole(data, at + len(SEP_MAX), end)
    if at < 0 or not _has(data, at, end, MB):
        return False
    ints[I_MAXMEM, r] = whole
    at += len(MB)
    floats[F_INIT, r] = np.nan
    floats[F_RESTORE, r] = np.nan
    floats[F_BRESTORE, r] = np.nan
    if _ends_line(data, at, end):
        return True
    if _has(data, at, end, SEP_INIT):
        value, at = _number(data, at + len(SEP_INIT), end)
        if at < 0 or not _has(data, at, end, MS):
            return False
        floats[F_INIT, r] = value
    elif _has(data, at, end, SEP_RESTORE):
        value, at = _number(data, at + len(SEP_RESTORE), end)
        if at < 0 or not _has(data, at, end, SEP_BILLED_RESTORE):
            return False
        floats[F_RESTORE, r] = value
        value, at = _number(data, at + len(SEP_BILLED_RESTORE), end)
        if at < 0 or not _has(data, at, end, MS):
            return False
        floats[F_BRESTORE, r] = value
    else:
        return False
    at += len(MS)
    return _ends_line(data, at, end)


@_helper
def _start(data, begin, end):  # type: ignore[no-untyped-def]
    """Where the version of an exact ``START RequestId: <id> Version: <v>`` line starts; -1 else."""
    at = begin + len(START_HEAD)
    if not _has(data, begin, end, START_HEAD) or _word_end(data, at, end) != at + REQUEST_ID:
        return -1
    at += REQUEST_ID
    if not _has(data, at, end, START_VER):
        return -1
    at += len(START_VER)
    if at == end or _word_end(data, at, end) != end:
        return -1
    return at


@_helper
def _xray(data, begin, end):  # type: ignore[no-untyped-def]
    """Where the trace id of an exact ``XRAY TraceId:`` trailer ends (it starts after the head); -1 else."""
    at = begin + len(XRAY_HEAD)
    if not _has(data, begin, end, XRAY_HEAD):
        return -1
    trace_end = _word_end(data, at, end)
    if trace_end == at:
        return -1
    at = trace_end
    for separator in (SEP_SEGMENT, SEP_SAMPLED):
        if _has(data, at, end, separator):
            after = _word_end(data, at + len(separator), end)
            if after == at + len(separator):
                return -1
            at = after
    if _ends_line(data, at, end):
        return trace_end
    return -1


@_helper
def _runtime_end(data, at, end, slash):  # type: ignore[no-untyped-def]
    """End of a runtime name (``[a-z0-9._:+-]``) or, with ``slash``, of its ARN (``/`` too)."""
    i = at
    while i < end:
        byte = data[uintp(i)]
        if not (97 <= byte <= 122 or 48 <= byte <= 57 or byte == 46 or byte == 95 or byte == 58 or byte == 43
                or byte == 45 or (slash and byte == 47)):
            break
        i += 1
    return i


@_helper
def _runtime_spans(data, begin, end, prefix, spans, i):  # type: ignore[no-untyped-def]
    """``<prefix>Runtime Version: <name>\\tRuntime Version ARN: <arn>\\t?``: both fields' spans."""
    at = begin + len(prefix)
    if not _has(data, begin, end, prefix) or not _has(data, at, end, RUNTIME_KEY):
        return
    at += len(RUNTIME_KEY)
    name_end = _runtime_end(data, at, end, False)
    if name_end == at or not _has(data, name_end, end, ARN_KEY):
        return
    arn = name_end + len(ARN_KEY)
    arn_end = _runtime_end(data, arn, end, True)
    if arn_end == arn or not _ends_line(data, arn_end, end):
        return
    spans[i, 0], spans[i, 1], spans[i, 2], spans[i, 3] = at - begin, name_end - at, arn - begin, arn_end - arn


@_helper
def _restore_span(data, begin, end, spans, i):  # type: ignore[no-untyped-def]
    """``RESTORE_REPORT Restore Duration: <number> ms\\t?``: the number's span (digits, then
    optionally a point and digits)."""
    at = begin + len(RESTORE_KEY)
    if not _has(data, begin, end, RESTORE_KEY):
        return
    i_end = at
    while i_end < end and 48 <= data[uintp(i_end)] <= 57:
        i_end += 1
    if i_end == at:
        return
    if i_end < end and data[uintp(i_end)] == 46:
        point = i_end + 1
        i_end = point
        while i_end < end and 48 <= data[uintp(i_end)] <= 57:
            i_end += 1
        if i_end == point:
            return
    if not _has(data, i_end, end, RESTORE_UNIT) or not _ends_line(data, i_end + len(RESTORE_UNIT), end):
        return
    spans[i, 0], spans[i, 1] = at - begin, i_end - at


@_entry
def exact_fields(data, begins, ends, codes, spans):  # type: ignore[no-untyped-def]
    """Where the fields of the general lines of a plain text input lie, for the lines in Lambda's
    exact START, INIT_START, RESTORE_START and RESTORE_REPORT layouts (the neighbours a REPORT's
    stitching needs): ``spans[i]`` is (start, length) of the first field and of the second, from
    the line's start; -1 where the line has any other layout or kind. The general path then
    reads those lines by position instead of with a pattern each. Returns how many were exact."""
    exact = 0
    for i in range(len(begins)):
        begin, end, code = begins[i], ends[i], codes[i]
        spans[i, 0], spans[i, 1], spans[i, 2], spans[i, 3] = -1, -1, -1, -1
        if code == C_START:
            version = _start(data, begin, end)
            if version >= 0:
                spans[i, 0], spans[i, 1] = len(START_HEAD), REQUEST_ID
                spans[i, 2], spans[i, 3] = version - begin, end - version
        elif code == C_INIT_START:
            _runtime_spans(data, begin, end, P_INIT_START, spans, i)
        elif code == C_RESTORE_START:
            _runtime_spans(data, begin, end, P_RESTORE_START, spans, i)
        elif code == C_RESTORE_REPORT:
            _restore_span(data, begin, end, spans, i)
        exact += spans[i, 0] >= 0
    return exact


@_helper
def _same_id(data, a, other, b):  # type: ignore[no-untyped-def]
    """Whether the request ids at ``data[a:]`` and ``other[b:]`` are the same."""
    if other is data and max(a, b) + VECTOR <= len(data):  # one vector compare
        return _same_bits(data, a, b) & ID_BITS == ID_BITS
    for k in range(REQUEST_ID):
        if data[uintp(a + k)] != other[uintp(b + k)]:
            return False
    return True


@_helper
def _copy(out, to, source, at, n):  # type: ignore[no-untyped-def]
    """``source[at:at + n]`` copied into ``out`` from ``to``, byte by byte (a slice copy needs
    numba's reference counting, which the kernel is compiled without)."""
    for k in range(n):
        out[uintp(to + k)] = source[uintp(at + k)]


@_helper
def _general(state, lines, begins, ends, codes, odd, data, row, begin, end, code):  # type: ignore[no-untyped-def]
    """The line ``data[begin:end]`` (row ``row``) handed to the general path. One that comes
    before the last one handed on (a START or REPORT above, made general by a line below it; a
    negative row: a line of the share before, which may have handed on lines below it) sets
    ``S_LATE``: the buffer's general lines are then put back in line order."""
    n = state[S_GENERAL]
    if row < 0 or (n > 0 and lines[n - 1] > row):
        state[S_LATE] = 1
    lines[n], begins[n], ends[n], codes[n] = row, begin, end, code
    flag = 0
    for i in range(begin, end):
        if data[uintp(i)] >= 0x80 or data[uintp(i)] == 0:
            flag = 1
            break
    odd[n] = flag
    state[S_GENERAL] = n + 1


@_helper
def _start_above_general(state, lines, begins, ends, codes, odd, data):  # type: ignore[no-untyped-def]
    """The START above is made a general line (once), so the general path finds it. With none
    seen yet, ``S_BEFORE_NEEDED`` says one before this scan may have been wanted."""
    if state[S_START] == NO_START:
        state[S_BEFORE_NEEDED] = 1
        return
    if state[S_SENT] == 1:
        return
    state[S_SENT] = 1
    if state[S_START_BEGIN] == CARRIED:
        state[S_CARRIED_NEEDED] = 1
    else:
        _general(state, lines, begins, ends, codes, odd, data, state[S_START_ROW], state[S_START_BEGIN],
                 state[S_START_END], C_START)
        state[S_STARTS] -= 1


@_helper
def _prefix_code(data, begin, end):  # type: ignore[no-untyped-def]
    """The kind a line's first bytes name, as :func:`logparse.sifting.sift_plain` tells it."""
    if end - begin < 8:
        return C_APP
    first = data[uintp(begin)]
    if first == 82:  # R
        if _has(data, begin, end, P_REPORT):
            return C_REPORT
        if _has(data, begin, end, P_RESTORE_START):
            return C_RESTORE_START
        if _has(data, begin, end, P_RESTORE_REPORT):
            return C_RESTORE_REPORT
    elif first == 83:  # S
        if _has(data, begin, end, P_START):
            return C_START
    elif first == 69:  # E
        if _has(data, begin, end, P_END):
            return C_END
    elif first == 73:  # I
        if _has(data, begin, end, P_INIT_START):
            return C_INIT_START
        if _has(data, begin, end, P_INIT_REPORT):
            return C_INIT_REPORT
    elif first == 88:  # X
        if _has(data, begin, end, P_XRAY):
            return C_XRAY
    return C_APP


def _vector_of(context: Any, builder: Any, array_type: Any, array: Any, at: Any) -> Any:
    """The 64 bytes of a uint8 array from index ``at``, as one LLVM vector (an unaligned load)."""
    data = context.make_array(array_type)(context, builder, array).data
    vector = ir.VectorType(ir.IntType(8), VECTOR)
    return builder.load(builder.bitcast(builder.gep(data, [at]), vector.as_pointer()), align=1)


def _splat(builder: Any, byte: Any) -> Any:
    """``byte`` (an LLVM i8) in every lane of a 64-byte vector."""
    vector = ir.VectorType(ir.IntType(8), VECTOR)
    one = builder.insert_element(ir.Constant(vector, ir.Undefined), byte, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(one, ir.Constant(vector, ir.Undefined),
                                  ir.Constant(ir.VectorType(ir.IntType(32), VECTOR), [0] * VECTOR))


def _byte_bits(compare: Any) -> Any:
    """An intrinsic ``(data, at, *bytes) -> uint64``: bit j set where ``compare`` holds for
    ``data[at + j]``, j < 64, as one vector compare and a bit mask (AVX-512: two instructions;
    LLVM lowers it for any CPU). The 64 bytes from ``at`` must lie in ``data``."""
    def typer(typingctx, data, at, *values):  # type: ignore[no-untyped-def]
        if not (isinstance(data, types.Array) and data.dtype == types.uint8 and data.layout == "C"):
            return None
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            at = context.cast(builder, args[1], signature.args[1], types.intp)
            vector = _vector_of(context, builder, signature.args[0], args[0], at)
            splats = [_splat(builder, context.cast(builder, value, kind, types.uint8))
                      for value, kind in zip(args[2:], signature.args[2:], strict=True)]
            return builder.bitcast(compare(builder, vector, *splats), ir.IntType(VECTOR))
        return types.uint64(data, at, *values), codegen
    return typer


@intrinsic
def _same_bits(typingctx, data, a, b):  # type: ignore[no-untyped-def]
    """Bit j set where ``data[a + j] == data[b + j]`` (both 64 bytes in ``data``)."""
    if not (isinstance(data, types.Array) and data.dtype == types.uint8 and data.layout == "C"):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        first, second = (_vector_of(context, builder, signature.args[0], args[0],
                                    context.cast(builder, at, kind, types.intp))
                         for at, kind in zip(args[1:], signature.args[1:], strict=True))
        return builder.bitcast(builder.icmp_unsigned("==", first, second), ir.IntType(VECTOR))
    return types.uint64(data, a, b), codegen


@intrinsic
def _equal_bits(typingctx, data, at, byte):  # type: ignore[no-untyped-def]
    """Bit j set where ``data[at + j] == byte``."""
    return _byte_bits(lambda builder, vector, byte: builder.icmp_unsigned("==", vector, byte))(
        typingctx, data, at, byte)


@intrinsic
def _outside_bits(typingctx, data, at, low, high):  # type: ignore[no-untyped-def]
    """Bit j set where ``data[at + j]`` is below ``low`` or above ``high`` (bytes unsigned)."""
    return _byte_bits(lambda builder, vector, low, high: builder.icmp_unsigned(
        ">", builder.sub(vector, low), builder.sub(high, low)))(typingctx, data, at, low, high)


@_entry
def line_maps(data, low, high, newlines, starts):  # type: ignore[no-untyped-def]
    """Bit maps of the 64-byte blocks that hold ``data[low:high]``: bit j of word w stands for
    byte 64 * (low // 64 + w) + j, set in ``newlines`` for a newline and in ``starts`` where
    "Ta" (the timeout message's first bytes) begins. A block at a time, each byte kind one
    vector compare (:func:`_equal_bits`): twice as fast as eight bytes at a time as one integer,
    ten times a compare per byte; the maps are then bound by the memory's speed."""
    first = low >> 6
    blocks = ((high - 1) >> 6) - first + 1 if high > low else 0
    whole = max(0, min(blocks, (len(data) - 1) // 64 - first))  # blocks with a byte after them
    for w in range(whole):
        at = (first + w) * 64
        newlines[uintp(w)] = _equal_bits(data, at, np.uint8(10))
        t0, t1 = _equal_bits(data, at, TIMEOUT_0), _equal_bits(data, at, TIMEOUT_1)
        starts[uintp(w)] = t0 & ((t1 >> np.uint64(1)) | LAST_BIT)
    # A "T" at a block's last byte: is the next block's first byte "a"?
    for w in range(whole):
        if starts[uintp(w)] >> np.uint64(63) and data[uintp((first + w + 1) * 64)] != TIMEOUT_1:
            starts[uintp(w)] &= ~LAST_BIT
    for w in range(whole, blocks):  # the last block of the buffer, byte by byte
        lines, marks = uint64(0), uint64(0)
        for j in range(64):
            i = (first + w) * 64 + j
            if i >= len(data):
                break
            if data[uintp(i)] == 10:
                lines |= uint64(1) << uint64(j)
            if data[uintp(i)] == TIMEOUT_0 and i + 1 < len(data) and data[uintp(i + 1)] == TIMEOUT_1:
                marks |= uint64(1) << uint64(j)
        newlines[uintp(w)], starts[uintp(w)] = lines, marks
    return blocks


@_helper
def _lowest_bit(bits):  # type: ignore[no-untyped-def]
    """Where the lowest set bit of ``bits`` (not 0) is."""
    return np.int64(trailing_zeros(bits))  # type: ignore[call-arg]  # (a numba intrinsic: typed when compiled)


@_helper
def _line_end(newlines, base, at, high):  # type: ignore[no-untyped-def]
    """Where the line from ``at`` ends: its newline, or ``high`` (``base``: the first block of
    the maps, ``low // 64``)."""
    w = (at >> 6) - base
    bits = newlines[uintp(w)] >> uint64(at & 63)
    if bits != 0:
        return min(at + _lowest_bit(bits), high)
    last = ((high - 1) >> 6) - base
    w += 1
    while w <= last:
        bits = newlines[uintp(w)]
        if bits != 0:
            return min(((w + base) << 6) + _lowest_bit(bits), high)
        w += 1
    return high


@_helper
def _timed_out(data, starts, base, at, stop, high):  # type: ignore[no-untyped-def]
    """Whether the line ``data[at:stop]`` holds the timeout message (it holds no newline: a
    match that starts within the line ends within it)."""
    if stop <= at:
        return False
    for w in range((at >> 6) - base, ((stop - 1) >> 6) - base + 1):
        bits = starts[uintp(w)]
        while bits != 0:
            i = ((w + base) << 6) + _lowest_bit(bits)
            if at <= i < stop and _has(data, i, high, TIMEOUT):
                return True
            bits &= bits - uint64(1)
    return False


@_entry
def scan(data, newlines, starts, base, low, high, stamped, state, carried_id, ints, floats, ids, versions,  # type: ignore[no-untyped-def]
         lines, begins, ends, codes, odd):
    """Scan the lines of ``data[low:high]`` (whole lines; ``newlines``, ``starts`` and ``base``:
    the :func:`line_maps` of the share, from its first block), from where ``state`` left off.
    ``stamped``: the lines of an S3 export, each message after its time (see :func:`_stamp`).
    Returns where it stopped: ``high``, or the start of a line when the general arrays or
    ``versions`` are nearly full (call again with larger ones and the same state).
    REPORT rows go to ``ints``/``floats``, their request ids to ``ids`` (36 bytes each) and their
    START's version to ``versions``, one after the other."""
    capacity_general, capacity_versions = lines.shape[0], len(versions)
    row, reports, previous_report = state[S_LINES], state[S_REPORTS], state[S_PREV_REPORT]
    applications, ends_seen = state[S_APP], state[S_END]
    at = low
    while at < high:
        if state[S_GENERAL] + 3 > capacity_general or state[S_VBYTES] + state[S_START_VERLEN] > capacity_versions:
            break
        # The kind first: a prefix holds no newline, so one that matches lies within the line.
        # Only application and END lines need the timeout search (it makes them general lines):
        # in any other kind the message would stand where no exact layout has a space.
        stop = _line_end(newlines, base, at, high)
        end = stop - 1 if stop > at and data[uintp(stop - 1)] == 13 else stop
        above = previous_report
        previous_report = -1
        content, time, how = at, NO_TIME, UNSTAMPED
        if end == at:  # blank: only counted
            state[S_BLANK] += 1
            row += 1
            at = stop + 1
            continue
        if stamped:
            time, how = _stamp(data, at, end)
            if how == STAMPED:
                content = at + len(STAMP)
            elif how == UNSURE:  # any kind, under a time only the general path reads
                reports -= _unsure(state, ints, lines, begins, ends, codes, odd, data, row, at, end, above)
                row += 1
                at = stop + 1
                continue
        code = _prefix_code(data, content, high)
        timed_out = (code == C_APP or code == C_END) and _timed_out(data, starts, base, at, stop, high)
        if code == C_APP:
            if end - content < 8 or timed_out:  # short (counted there), or a timeout
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
            elif data[uintp(content)] == 123:  # JSON: maybe a platform event of any kind
                reports -= _unsure(state, ints, lines, begins, ends, codes, odd, data, row, at, end, above)
            else:
                applications += 1
        elif code == C_END:
            if timed_out:
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
            else:
                ends_seen += 1
        elif code == C_REPORT:
            if state[S_START] != OTHER_START and _report(data, content, end, ints, floats, reports):
                r = uintp(reports)
                ints[I_LINE, r], ints[I_BEGIN, r], ints[I_END, r] = row, at, end
                ints[I_VER, r], ints[I_VERLEN, r], ints[I_TRACE, r] = -1, 0, -1
                ints[I_TRACELEN, r], ints[I_TIME, r] = 0, time
                rid = ints[I_RID, r]
                _copy(ids, reports * REQUEST_ID, data, rid, REQUEST_ID)
                if state[S_START] == EXACT_START:
                    if state[S_START_BEGIN] == CARRIED:
                        if _same_id(data, rid, carried_id, 0):
                            ints[I_VER, r] = CARRIED_VERSION
                    elif _same_id(data, rid, data, state[S_START_RID]):
                        used, length, version = state[S_VBYTES], state[S_START_VERLEN], state[S_START_VER]
                        _copy(versions, used, data, version, length)
                        ints[I_VER, r], ints[I_VERLEN, r] = used, length
                        state[S_VBYTES] = used + length
                previous_report = reports
                reports += 1
            else:
                _start_above_general(state, lines, begins, ends, codes, odd, data)  # (above: first)
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
        elif code == C_START:
            version = _start(data, content, end)
            if version < 0:
                # The general path may reject this START; then the one above is the START it finds.
                _start_above_general(state, lines, begins, ends, codes, odd, data)
            state[S_START_ROW], state[S_START_BEGIN], state[S_START_END] = row, at, end
            if version >= 0:
                state[S_START], state[S_START_RID] = EXACT_START, content + len(START_HEAD)
                state[S_START_VER], state[S_START_VERLEN] = version, end - version
            else:
                state[S_START], state[S_START_VERLEN] = OTHER_START, 0
            if version < 0 or state[S_PENDING_START] == 1:
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
                state[S_SENT] = 1
            else:
                state[S_SENT] = 0
                state[S_STARTS] += 1
            if version >= 0:  # (the general path may reject another START: then the next one is the one below)
                state[S_PENDING_START] = 0
        elif code == C_XRAY:
            trace_end = _xray(data, content, end) if above >= 0 else -1
            if trace_end >= 0:
                _attach_trailer(state, ints, above, content, trace_end)
            else:
                if above >= 0:  # the REPORT above goes with its trailer
                    reports -= 1
                    _report_above_general(state, ints, lines, begins, ends, codes, odd, data, above)
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
        else:  # INIT_START, INIT_REPORT, RESTORE_START, RESTORE_REPORT
            _start_above_general(state, lines, begins, ends, codes, odd, data)  # (above: first)
            _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
            state[S_PENDING_START] = 1
        row += 1
        at = stop + 1
    state[S_LINES], state[S_REPORTS], state[S_PREV_REPORT] = row, reports, previous_report
    state[S_APP], state[S_END] = applications, ends_seen
    return min(at, high)


@_helper
def _attach_trailer(state, ints, above, content, trace_end):  # type: ignore[no-untyped-def]
    """The exact XRAY trailer at ``content`` gives the REPORT row right above it its trace id."""
    ints[I_TRACE, above] = content + len(XRAY_HEAD)
    ints[I_TRACELEN, above] = trace_end - (content + len(XRAY_HEAD))
    state[S_XRAYS] += 1


@_helper
def _take_back(state, ints, lines, begins, ends, codes, odd, data, above):  # type: ignore[no-untyped-def]
    """The last REPORT row read (``above``, the line right above) taken back, its version's
    bytes too, and made a general line (the caller counts the row out)."""
    if ints[I_VER, above] >= 0:
        state[S_VBYTES] -= ints[I_VERLEN, above]
    _general(state, lines, begins, ends, codes, odd, data, ints[I_LINE, above], ints[I_BEGIN, above],
             ints[I_END, above], C_REPORT)


@_helper
def _report_above_general(state, ints, lines, begins, ends, codes, odd, data, above):  # type: ignore[no-untyped-def]
    """:func:`_take_back`, and the START of that REPORT made a general line too."""
    _start_above_general(state, lines, begins, ends, codes, odd, data)  # (above the REPORT: first)
    _take_back(state, ints, lines, begins, ends, codes, odd, data, above)


@_entry
def scan_streams(data, newlines, starts, base, low, high, layout, state, ints, floats, ids, versions,  # type: ignore[no-untyped-def]
                 lines, begins, ends, codes, odd):
    """:func:`scan` for ``aws logs tail`` (``layout`` TAIL) and ``sam logs`` (SAM) copies, whose
    lines interleave many streams. The stitching finds a line's neighbours in its own stream, so
    here a line is read only where it needs none that is not right next to it:

    - a REPORT in the exact layout, in a stream whose name holds its version (Lambda's do), is a
      row, with that version, its stream and its time; its trace id comes from an exact XRAY line
      right below it (its event's second line, which has no prefix);
    - an exact START of such a stream is only counted (its version is the stream's anyway);
      END and application lines are counted;
    - every other line is a general line: INIT and RESTORE lines (each takes its neighbours from
      the general lines of its stream, and the REPORT rows read here by line), a stream whose name
      holds no version (every line of it that the stitching uses), and any line only the general
      path can read (with the REPORT right above it, whose trailer it may be).

    Returns where it stopped, as :func:`scan` does; ``state[S_START_VERLEN]`` then holds the
    bytes of the version that did not fit in ``versions``."""
    capacity_general, capacity_versions = lines.shape[0], len(versions)
    row, reports, previous_report = state[S_LINES], state[S_REPORTS], state[S_PREV_REPORT]
    applications, ends_seen = state[S_APP], state[S_END]
    at = low
    while at < high:
        if state[S_GENERAL] + 3 > capacity_general:
            break
        stop = _line_end(newlines, base, at, high)
        end = stop - 1 if stop > at and data[uintp(stop - 1)] == 13 else stop
        above = previous_report
        if end == at:  # blank: only counted
            state[S_BLANK] += 1
            previous_report = -1
        else:
            content, stream, stream_end, time = _stream_prefix(data, at, end, layout)
            code = _prefix_code(data, content, high) if content >= 0 else C_APP
            version, version_end = _bracketed(data, stream, stream_end) if stream >= 0 else (-1, -1)
            if code == C_REPORT and version >= 0 and state[S_VBYTES] + version_end - version > capacity_versions:
                state[S_START_VERLEN] = version_end - version
                break
            previous_report = -1
            timed_out = (code == C_APP or code == C_END) and _timed_out(data, starts, base, at, stop, high)
            unsure = content < 0 or (code == C_APP and end - content >= 8 and not timed_out
                                     and data[uintp(content)] == 123)  # JSON: maybe a platform event of any kind
            trace_end = _xray(data, content, end) if code == C_XRAY and above >= 0 and not unsure else -1
            if unsure:
                if above >= 0:  # the line may be its trailer
                    reports -= 1
                    _take_back(state, ints, lines, begins, ends, codes, odd, data, above)
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, C_APP)
            elif code == C_APP:
                if end - content < 8 or timed_out:  # short (counted there), or a timeout
                    _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
                else:
                    applications += 1
            elif code == C_END:
                if timed_out:
                    _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
                else:
                    ends_seen += 1
            elif code == C_REPORT and version >= 0 and _report(data, content, end, ints, floats, reports):
                r = uintp(reports)
                ints[I_LINE, r], ints[I_BEGIN, r], ints[I_END, r] = row, at, end
                ints[I_TRACE, r], ints[I_TRACELEN, r], ints[I_TIME, r] = -1, 0, time
                ints[I_STREAM, r], ints[I_STREAMLEN, r] = stream, stream_end - stream
                used, length = state[S_VBYTES], version_end - version
                _copy(versions, used, data, version, length)
                ints[I_VER, r], ints[I_VERLEN, r] = used, length
                state[S_VBYTES] = used + length
                rid = ints[I_RID, r]
                _copy(ids, reports * REQUEST_ID, data, rid, REQUEST_ID)
                previous_report = reports
                reports += 1
            elif code == C_START and version >= 0 and _start(data, content, end) >= 0:
                state[S_STARTS] += 1
            elif trace_end >= 0:
                _attach_trailer(state, ints, above, content, trace_end)
            else:  # an odd REPORT, START or XRAY line, or one of a stream with no version; INIT, RESTORE
                if code == C_XRAY and above >= 0:  # the REPORT above goes with its trailer
                    reports -= 1
                    _take_back(state, ints, lines, begins, ends, codes, odd, data, above)
                _general(state, lines, begins, ends, codes, odd, data, row, at, end, code)
        row += 1
        at = stop + 1
    state[S_LINES], state[S_REPORTS], state[S_PREV_REPORT] = row, reports, previous_report
    state[S_APP], state[S_END] = applications, ends_seen
    return min(at, high)


@_helper
def _unsure(state, ints, lines, begins, ends, codes, odd, data, row, at, end, above):  # type: ignore[no-untyped-def]
    """A line of any kind for all the scan knows (JSON, or in an S3 export a time only the
    general path reads): a general line, with every neighbour it may need. The REPORT right
    above goes too (the line may be its trailer), the START above, and the START below (it may
    be an INIT or RESTORE line). It may be a START itself: later REPORTs go to the general path
    until an exact START. Returns the REPORT rows taken back (0 or 1)."""
    taken = 0
    if above >= 0:
        _report_above_general(state, ints, lines, begins, ends, codes, odd, data, above)
        taken = 1
    _start_above_general(state, lines, begins, ends, codes, odd, data)  # (once: it may be sent already)
    _general(state, lines, begins, ends, codes, odd, data, row, at, end, C_APP)
    state[S_START], state[S_SENT], state[S_START_VERLEN] = OTHER_START, 1, 0
    state[S_START_ROW], state[S_START_BEGIN], state[S_START_END] = row, at, end
    state[S_PENDING_START] = 1
    return taken


@_entry
def trace_end(data, begin, end):  # type: ignore[no-untyped-def]
    """:func:`_xray` for one line: where the trace id of an exact trailer ends, else -1."""
    return _xray(data, begin, end)


@_entry
def gather(data, begins, lengths, offsets, out):  # type: ignore[no-untyped-def]
    """Copy ``data[begins[i]:begins[i] + lengths[i]]`` one after the other into ``out``, with
    ``offsets`` (one more than rows) saying where each starts: an Arrow string array's buffers.
    (Byte by byte, :func:`_copy`: 2-4x faster than a slice copy, which counts references.)"""
    at = 0
    for i in range(len(begins)):
        offsets[uintp(i)] = at
        length = lengths[uintp(i)]
        _copy(out, at, data, begins[uintp(i)], length)
        at += length
    offsets[uintp(len(begins))] = at
    return at


def new_state() -> np.ndarray:
    """The state of a scan that has seen no line yet."""
    state = np.zeros(N_STATE, np.int64)
    state[S_PREV_REPORT] = -1
    return state
