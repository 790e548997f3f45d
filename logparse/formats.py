"""What each platform line looks like: the one definition of every line format SnapLens reads.

The general reader (:func:`logparse.fields.generic_rows`) finds any field by its key
(:data:`FIELDS`, :data:`WANTED`); the exact-layout readers take Lambda's own layouts
(:data:`REPORT_SEPARATORS`, :data:`REPORT_TAIL`, :data:`LAYOUTS`), which are built here from the
same keys and units, and are held to the general reader by the differential tests
(tests/test_properties.py). JSON log format records are described by :data:`JSON_PATHS`.
Nothing here reads a line: this module is data, so every reader derives from one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import polars as pl

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer


@dataclass(frozen=True)
class Field:
    """One ``Key: value unit`` field of a platform line and the column it fills. A number's unit
    names the rule its values must follow (:data:`POSSIBLE`)."""

    column: str
    key: str
    dtype: type[pl.DataType]
    unit: str = ""


# Every key of every text platform line. Keys are matched longest first, so "Billed Restore Duration"
# is taken before "Restore Duration" before "Duration", whatever the field order or separators.
FIELDS: tuple[Field, ...] = tuple(sorted((
    Field("request_id", "RequestId", S),
    Field("version", "Version", S),
    Field("duration_ms", "Duration", F, "ms"),
    Field("billed_duration_ms", "Billed Duration", F, "ms"),
    # Memory is read as a number like any other and must be whole (the tables hold integers):
    # "256.0 MB" is 256, "80.7 MB" a reject, on the exact-layout and the general path alike.
    Field("memory_mb", "Memory Size", F, "MB"),
    Field("max_memory_mb", "Max Memory Used", F, "MB"),
    Field("init_ms", "Init Duration", F, "ms"),
    Field("restore_ms", "Restore Duration", F, "ms"),
    Field("billed_restore_ms", "Billed Restore Duration", F, "ms"),
    Field("status", "Status", S),
    Field("error_type", "Error Type", S),
    Field("phase", "Phase", S),
    Field("runtime_version", "Runtime Version", S),
    Field("runtime_version_arn", "Runtime Version ARN", S),
    Field("trace_id", "TraceId", S),
), key=lambda f: -len(f.key)))
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}
# Keys of the X-Ray trailer that no table keeps (the trace id joins the spans): still known, so
# that a value before them ends there when a copy puts the trailer on the REPORT's own line.
UNKEPT_KEYS = ("SegmentId", "Sampled")

# The one rule for numbers, text and JSON formats alike: a value outside it makes its line a
# reject (never a row, so never in a percentile or a cost). unit -> (test, what the reason says).
POSSIBLE: dict[str, tuple[Callable[[pl.Expr], pl.Expr], str]] = {
    "ms": (lambda v: v.is_finite() & (v >= 0), "durations are finite and at least 0 ms"),
    # (below 2**53: larger whole numbers are not exact in a float, nor do they fit the tables' integers)
    "MB": (lambda v: v.is_finite() & (v > 0) & (v == v.floor()) & (v < 2.0**53),
           "memory is a whole number of MB above 0 and below 2**53"),
}

# Text line kinds by prefix, and the fields each must have to be usable.
PREFIXES: dict[str, str] = {
    "report": "REPORT RequestId:",
    "start": "START RequestId:",
    "end": "END RequestId:",
    "init_start": "INIT_START ",
    "init_report": "INIT_REPORT ",
    "restore_start": "RESTORE_START ",
    "restore_report": "RESTORE_REPORT ",
    "xray": "XRAY TraceId:",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "report": ("request_id", "duration_ms", "billed_duration_ms", "memory_mb"),
    "start": ("request_id",),
    "init_report": ("init_ms",),
    "restore_report": ("restore_ms",),
    "xray": ("trace_id",),
}
# Required fields a real event may lack. Lambda Managed Instances bill per instance: their
# ``platform.report`` metrics hold ``durationMs`` only (a text REPORT without Billed Duration is a
# cut-off copy and stays a reject). A restore that failed may report no duration at all
# (``platform.restoreReport`` with ``status: failure`` and ``errorType``, no ``metrics``).
OPTIONAL_IN_JSON: dict[str, tuple[str, ...]] = {"report": ("billed_duration_ms", "memory_mb")}
OPTIONAL_IF_FAILED: dict[str, tuple[str, ...]] = {"restore_report": ("restore_ms",)}
WANTED: dict[str, tuple[str, ...]] = {
    "report": ("request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb", "init_ms",
               "restore_ms", "billed_restore_ms", "status", "error_type", "trace_id"),
    "start": ("request_id", "version"),
    "init_start": ("runtime_version", "runtime_version_arn"),
    "restore_start": ("runtime_version", "runtime_version_arn"),
    "init_report": ("init_ms", "phase", "status", "error_type"),
    "restore_report": ("restore_ms", "status", "error_type"),
    "xray": ("trace_id",),
}
TIMEOUT_MARK = "Task timed out after"
# The time before each message of a CloudWatch export to S3, in the shape the text sniffer gives
# (every digit a 0): the compiled scanner reads exports whose times all have it.
S3_STAMP_SHAPE = "0000-00-00T00:00:00.000Z "
# The text layouts the compiled scanner reads, by the text sniffer's names: a console copy, an S3
# export (``<time> <message>``), ``aws logs tail`` (``<time> <stream> <message>``) and ``sam logs``
# (``<stream> <time> <message>``).
LAYOUT_CODES = {"plain": 0, "s3": 1, "tail": 2, "sam": 3}
SKIPPED_KINDS = ("app", "blank")

# Lambda JSON log format (Telemetry API schema): every leaf read as a string, cast afterwards, so
# one odd value makes a null (and a reject), not an error for the whole file.
_METRICS = {"durationMs": S, "billedDurationMs": S, "memorySizeMB": S, "maxMemoryUsedMB": S,
            "initDurationMs": S, "restoreDurationMs": S, "billedRestoreDurationMs": S}
JSON_DTYPE = pl.Struct({
    "time": S,
    "type": S,
    "record": pl.Struct({
        "requestId": S, "status": S, "errorType": S, "version": S, "functionName": S,
        "functionVersion": S, "runtimeVersion": S, "runtimeVersionArn": S, "phase": S,
        "initializationType": S, "tracing": pl.Struct({"value": S}), "metrics": pl.Struct(_METRICS),
    }),
})
JSON_KINDS = {
    "platform.report": "report", "platform.start": "start", "platform.initStart": "init_start",
    "platform.initReport": "init_report", "platform.restoreStart": "restore_start",
    "platform.restoreReport": "restore_report", "platform.runtimeDone": "end",
}
PHASE_DURATION = {"init_report": "init_ms", "restore_report": "restore_ms"}
# Where each row column sits inside ``record`` (alternatives in order of preference).
JSON_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "request_id": (("requestId",),),
    "version": (("version",), ("functionVersion",)),
    "function_name": (("functionName",),),
    "status": (("status",),),
    "error_type": (("errorType",),),
    "phase": (("phase",),),
    "init_type": (("initializationType",),),
    "runtime_version": (("runtimeVersion",),),
    "runtime_version_arn": (("runtimeVersionArn",),),
    "trace_id": (("tracing", "value"),),
    "duration_ms": (("metrics", "durationMs"),),
    "billed_duration_ms": (("metrics", "billedDurationMs"),),
    "memory_mb": (("metrics", "memorySizeMB"),),
    "max_memory_mb": (("metrics", "maxMemoryUsedMB"),),
    "init_ms": (("metrics", "initDurationMs"),),
    "restore_ms": (("metrics", "restoreDurationMs"),),
    "billed_restore_ms": (("metrics", "billedRestoreDurationMs"),),
}
# Every column a platform line fills: the text fields' own, and those only JSON records carry (text).
ROW_COLUMNS: dict[str, type[pl.DataType]] = {
    column: FIELD_BY_COLUMN[column].dtype if column in FIELD_BY_COLUMN else S for column in JSON_PATHS
}

# Every column a stitched row may carry, whichever line kinds the input happened to contain.
ROW_SCHEMA: dict[str, type[pl.DataType]] = {
    **ROW_COLUMNS, "timeout_request": S, "reject": S, "text": S, "json": pl.Boolean,
}


# Lambda's own REPORT layout: the five fields every REPORT has, in this order, tab-separated (a
# warm start's REPORT ends after them), then a cold start's Init Duration, or Restore Duration and
# Billed Restore Duration. The exact-layout readers are built from this order and the keys and units
# of FIELDS, so the REPORT format is written down once. Each value lies between the separator before
# it and the one after it; Lambda's request ids are UUIDs, so the first value starts at a fixed place.
REPORT_PREFIX = PREFIXES["report"] + " "
REQUEST_ID_LENGTH = 36
REPORT_FIVE = ("request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb")


def _after(before: str) -> str:
    """What ends the value of ``before`` in the exact layout: its unit (if any) and a tab."""
    unit = FIELD_BY_COLUMN[before].unit
    return (f" {unit}" if unit else "") + "\t"


REPORT_SEPARATORS: tuple[tuple[str, str], ...] = tuple(  # column, separator before its value
    (column, f"{_after(before)}{FIELD_BY_COLUMN[column].key}: ")
    for before, column in pairwise(REPORT_FIVE)
)
REPORT_ENDS = (_after(REPORT_FIVE[-1]), _after(REPORT_FIVE[-1])[:-1])

# A cold start's REPORT in Lambda's exact layout, checked whole, strictly enough that the values
# read here are exactly those the general path would find (ids without spaces or colons, plain
# decimal numbers, the units in place).
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_WORD = r"[^\s:\x1f]+"


def _exact(column: str, captured: bool = False) -> str:
    """``Key: value unit`` of one REPORT field as the exact layout writes it: memory in whole MB."""
    field = FIELD_BY_COLUMN[column]
    value = {"": _WORD, "MB": "[0-9]+"}.get(field.unit, _NUMBER)
    if captured:
        value = f"(?P<{column}>{value})"
    return f"{re.escape(field.key)}: {value}" + (f" {field.unit}" if field.unit else "")


REPORT_TAIL = (
    f"^{PREFIXES['report'].split()[0]} "
    + "\t".join(_exact(column, captured=column == "max_memory_mb") for column in REPORT_FIVE)
    + f"\t(?:{_exact('init_ms', True)}|{_exact('restore_ms', True)}\t{_exact('billed_restore_ms', True)})\t?$"
)


START_PREFIX = "START RequestId: "
START_VERSION = " Version: "


# Lambda's exact layouts of the other platform lines, each read with one anchored pattern. Values
# are held to what the general path reads the same way (an id without spaces or colons, lowercase
# runtime names, which no key can hide in: every key starts with a capital); any other line takes
# the general path.
_RUNTIME = (r" Runtime Version: (?P<runtime_version>[a-z0-9._:+-]+)"
            r"\tRuntime Version ARN: (?P<runtime_version_arn>[a-z0-9._:/+-]+)\t?$")
LAYOUTS: dict[str, str] = {
    "init_start": "^INIT_START" + _RUNTIME,
    "restore_start": "^RESTORE_START" + _RUNTIME,
    "restore_report": f"^{PREFIXES['restore_report']}{_exact('restore_ms', True)}\\t?$",
    "xray": r"^XRAY TraceId: (?P<trace_id>[^\s:\x1f]+)(?:\tSegmentId: [^\s:\x1f]+)?(?:\tSampled: [^\s:\x1f]+)?\t?$",
}


# Every key at once, longest first: regex alternation takes the first alternative that matches at
# the leftmost position, the same result as replacing the keys one by one, longest first. "XRAY "
# before "TraceId" goes with the key: a console copy may hold the trailer on the REPORT's line.
KEY_PATTERN = "(?:XRAY )?(TraceId):|(" + "|".join(
    re.escape(key) for key in sorted([*(f.key for f in FIELDS if f.key != "TraceId"), *UNKEPT_KEYS],
                                     key=lambda key: -len(key))) + "):"
# The keys each text line kind carries: a known key on a line of another kind, a key twice, or
# text that is no ``Key: value`` field makes the line a reject naming it (a field the parser does
# not know is never dropped silently; a copy with spaces for tabs would have it glued to the
# value before it, which is then unreadable: the same line is a reject either way).
CARRIED: dict[str, frozenset[str]] = {
    kind: frozenset(FIELD_BY_COLUMN[column].key for column in columns) | (
        frozenset(UNKEPT_KEYS) if "trace_id" in columns else frozenset())
    for kind, columns in WANTED.items()
}
LINE_WORDS = "|".join(PREFIXES[kind].split()[0] for kind in WANTED if kind != "xray")
