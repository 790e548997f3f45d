"""Reading the fields of platform lines into typed row pieces, by name, never by position.

Lambda's exact layouts are read fast (substring searches, one anchored pattern); every other line
of a kind takes the general path, which finds each key by name whatever the order or separators.
Both write the same columns, and :func:`checked` holds the values of every path to one rule
(:data:`logparse.formats.POSSIBLE`). A line that cannot be read becomes a reject with a reason.
"""

from __future__ import annotations

import re

import orjson
import polars as pl

from logparse.formats import (
    CARRIED,
    FIELD_BY_COLUMN,
    JSON_DTYPE,
    JSON_KINDS,
    JSON_PATHS,
    KEY_PATTERN,
    LAYOUTS,
    LINE_WORDS,
    OPTIONAL_IF_FAILED,
    OPTIONAL_IN_JSON,
    PHASE_DURATION,
    POSSIBLE,
    PREFIXES,
    REPORT_ENDS,
    REPORT_PREFIX,
    REPORT_SEPARATORS,
    REPORT_TAIL,
    REQUEST_ID_LENGTH,
    REQUIRED,
    ROW_COLUMNS,
    START_PREFIX,
    START_VERSION,
    TIMEOUT_MARK,
    UNKEPT_KEYS,
    WANTED,
    Field,
)
from logparse.kinds import GENERIC_KINDS
from logparse.timeutil import LOG_TIME_WINDOW, outside_log_window, parse_log_time

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer
# The fields of a line in one of Lambda's exact layouts, as the compiled scanner read them (null:
# not known exact): START's request id and version, INIT_START's and RESTORE_START's runtime and
# its ARN, RESTORE_REPORT's duration. Such lines are read with no pattern.
EXACT_COLUMNS = ("exact_1", "exact_2")
EXACT_FIELDS = {"start": ("request_id", "version"), "init_start": ("runtime_version", "runtime_version_arn"),
               "restore_start": ("runtime_version", "runtime_version_arn"), "restore_report": ("restore_ms",)}


def report_rows(reports: pl.DataFrame) -> pl.DataFrame:
    """REPORT lines. Warm-start lines in Lambda's exact layout are read between their separators,
    each found once with a substring search, and every value must read as a number; cold-start
    lines in the exact layout (fields after the five) are read with one anchored pattern; every
    other REPORT (Status, reflowed copies, other ids) takes the general path, which finds each
    key by name."""
    if reports.is_empty():
        return reports.drop("message")
    message = pl.col("message")
    first = len(REPORT_PREFIX) + REQUEST_ID_LENGTH  # where the first separator must be
    # Where each separator is, computed once (eager frames do not share repeated expressions).
    found = reports.select(
        *(message.str.find(sep, literal=True).alias(column) for column, sep in REPORT_SEPARATORS[1:]),
        (message.str.len_bytes() - pl.when(message.str.ends_with(REPORT_ENDS[0])).then(len(REPORT_ENDS[0]))
         .otherwise(len(REPORT_ENDS[1]))).alias("end"),
        pl.any_horizontal(message.str.ends_with(end) for end in REPORT_ENDS).alias("bare"),
    )
    at = [pl.lit(first), *(pl.col(column) for column, _ in REPORT_SEPARATORS[1:])]
    starts = [position + len(sep) for position, (_, sep) in zip(at, REPORT_SEPARATORS, strict=True)]
    stops = [*at[1:], pl.col("end")]
    # One select: Polars evaluates the independent expressions in parallel.
    fast = pl.concat([reports, found], how="horizontal").select(
        pl.exclude(found.columns),
        message.str.slice(len(REPORT_PREFIX), REQUEST_ID_LENGTH).alias("request_id"),
        *(message.str.slice(start, stop - start).cast(F, strict=False).alias(column)
          for (column, _), start, stop in zip(REPORT_SEPARATORS, starts, stops, strict=True)),
        ((message.str.slice(first, len(REPORT_SEPARATORS[0][1])) == REPORT_SEPARATORS[0][1])
         & pl.all_horizontal(stop > start for start, stop in zip(starts, stops, strict=True))).alias("head"),
    )
    flags = fast.select(
        (pl.col("head") & _plain_word(pl.col("request_id"), ":")).fill_null(False).alias("head"),
        # and every value a finite number (not "nan" or "inf", which the general path refuses)
        pl.all_horizontal(pl.col(column).cast(F).is_finite() for column, _ in REPORT_SEPARATORS)
        .fill_null(False).alias("values"),
    ).with_columns(found["bare"])
    head, plain = flags["head"], flags["head"] & flags["values"] & flags["bare"]
    tails = head & ~flags["bare"]
    del flags
    fast = fast.drop("head")
    if tails.any():
        fast, plain = _report_tails(reports, fast, plain, tails.arg_true())
    return _fast_or_generic(reports, fast, plain, "report")


def _plain_word(text: pl.Expr, also: str = "") -> pl.Expr:
    """Whether ``text`` is ASCII without whitespace (or ``also``): a value the general path reads
    whole. Four times cheaper than a Unicode ``\\s`` class; any non-ASCII value is left to the
    general path, which knows Unicode spaces."""
    return ~text.str.contains(rf"(?-u)[\s{also}]") & (text.str.len_bytes() == text.str.len_chars())


def _report_tails(reports: pl.DataFrame, fast: pl.DataFrame, plain: pl.Series,
                  where: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """Cold-start REPORTs (the few with fields after the five) in Lambda's exact layout, read
    with one anchored pattern instead of the general path's key search."""
    groups = reports["message"].gather(where).str.extract_groups(REPORT_TAIL).struct.unnest()
    ok = (groups["init_ms"].is_not_null() | groups["restore_ms"].is_not_null()).fill_null(False)
    # The warm-start reading took the fields after the fifth for its value: read it again here.
    if not ok.any():
        return fast, plain
    rows, groups = where.filter(ok), groups.filter(ok)
    fast = fast.with_columns(
        pl.repeat(None, fast.height, dtype=F, eager=True).scatter(rows, groups[column].cast(F, strict=False))
        .alias(column)
        for column in ("init_ms", "restore_ms", "billed_restore_ms")
    ).with_columns(fast["max_memory_mb"].scatter(rows, groups["max_memory_mb"].cast(F, strict=False)))
    return fast, plain.scatter(rows, True)


def _fast_or_generic(rows: pl.DataFrame, fast: pl.DataFrame, plain: pl.Series, kind: str,
                     keep_text: bool = False) -> pl.DataFrame:
    """Rows read by position (``fast``) where the line has the exact layout, else by the general
    path; in line order (the stitching relies on it). The general path runs on the few other
    lines only and its values are written back in place, which costs far less than a sort.
    ``kind``: the kind of every row. ``keep_text``: the line's text is kept on every row (XRAY
    trailers, see _keep_reject_text)."""
    text = pl.col("message") if keep_text else pl.lit(None, S)
    fast = fast.with_columns(pl.lit(None, S).alias("reject"), text.alias("text")).drop("message")
    if not plain.all():
        where = (~plain).arg_true()
        slow = generic_rows(rows[where])
        columns = []
        for name, values in slow.to_dict().items():
            if name in rows.columns:  # the line's identity: the same on both paths
                continue
            base = fast[name] if name in fast.columns else pl.repeat(None, fast.height, dtype=values.dtype,
                                                                     eager=True)
            columns.append(base.cast(values.dtype).alias(name).scatter(where, values))
        fast = fast.with_columns(columns)
    return _checked(fast, rows["message"], kind)


def _shown(value: pl.Expr) -> pl.Expr:
    """A number for a reason: whole numbers without a decimal point (0 MB, not 0.0 MB)."""
    return pl.when(value.is_finite() & (value == value.floor()) & (value.abs() < 2.0**53)).then(
        value.cast(N, strict=False).cast(S)).otherwise(value.cast(S))


# Kinds whose rows fill a table: their numbers and times are held to the rules (END lines and
# other platform events carry nothing into a table and are only counted).
CHECKED_KINDS = ("report", "start", *GENERIC_KINDS)
NUMBER_FIELDS = tuple(FIELD_BY_COLUMN[column] for column in WANTED["report"] if FIELD_BY_COLUMN[column].unit)


def _checked(rows: pl.DataFrame, messages: pl.Series | None = None, kind: str | None = None) -> pl.DataFrame:
    """The one rule for possible values (:data:`POSSIBLE`, :func:`logparse.timeutil.outside_log_window`)
    applied to rows of every path alike, after they are read: a row that breaks it becomes a
    reject naming the field. ``messages``: the lines' text for the reject (else the frame's
    ``message`` column is kept for :func:`_keep_reject_text`); ``kind``: the one kind all rows
    are, when the caller knows it. On the hot path this costs a few comparisons per row (columns
    without a value are skipped); reasons are written for the bad rows only."""
    if rows.is_empty() or (kind is not None and kind not in CHECKED_KINDS):
        return rows
    def filled(column: str) -> bool:
        return column in rows.columns and rows[column].null_count() < rows.height

    # (a null value compares to null, which fill_null below makes "not bad")
    checks: list[tuple[pl.Expr, Field | None]] = [(~POSSIBLE[field.unit][0](pl.col(field.column)), field)
              for field in NUMBER_FIELDS if filled(field.column)]
    if filled("timestamp"):
        checks.append((outside_log_window(pl.col("timestamp")), None))
    if not checks:
        return rows
    bad = pl.any_horizontal(bad for bad, _ in checks).fill_null(False)
    if rows["reject"].null_count() < rows.height:
        bad &= pl.col("reject").is_null()
    if kind is None:
        bad &= pl.col("kind").is_in(CHECKED_KINDS)
    flagged = rows.select(bad).to_series()
    where = flagged.arg_true()
    if not len(where):
        return rows
    bad_rows = rows[where]
    label = pl.col("kind").replace_strict({kind: PREFIXES[kind].split()[0] for kind in CHECKED_KINDS if kind in
                                           PREFIXES}, default="Task timed out")
    reason = pl.lit(None, S)
    for bad, field in reversed(checks):  # the first field named wins
        says = (pl.format("{} line dated outside " + LOG_TIME_WINDOW, label) if field is None else
                pl.format("{} line with an impossible {}: {} {} ({})", label, pl.lit(field.key),
                          _shown(pl.col(field.column)), pl.lit(field.unit), pl.lit(POSSIBLE[field.unit][1])))
        reason = pl.when(bad.fill_null(False)).then(says).otherwise(reason)
    # (a flagged row always gets a reason: a null one would let it through)
    reasons = bad_rows.select(reason.fill_null(pl.lit("impossible value"))).to_series()
    columns = [rows["reject"].scatter(where, reasons)]
    if messages is not None and "text" in rows.columns:
        columns.append(rows["text"].scatter(where, messages.gather(where)))
    return rows.with_columns(columns)


def start_rows(starts: pl.DataFrame) -> pl.DataFrame:
    """``START RequestId: <id> Version: <v>``: the request's version for its REPORT. Lines in any
    other shape (or with another kind of id) take the general path."""
    if starts.is_empty():
        return starts.drop("message")
    if _read_exact(starts):
        return _by_exact_fields(starts, "start")
    message = pl.col("message")
    at = len(START_PREFIX) + REQUEST_ID_LENGTH
    # The values first, then the checks on them: eager frames do not share repeated expressions.
    fast = starts.with_columns(message.str.slice(len(START_PREFIX), REQUEST_ID_LENGTH).alias("request_id"),
                               message.str.slice(at + len(START_VERSION)).alias("version"))
    request_id, version = pl.col("request_id"), pl.col("version")
    plain = fast.select(((message.str.slice(at, len(START_VERSION)) == START_VERSION) & _plain_word(request_id, ":")
                         & (version.str.len_bytes() > 0) & _plain_word(version, ":")).fill_null(False))
    return _fast_or_generic(starts, fast, plain.to_series(), "start")


def layout_rows(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines of one kind in :data:`LAYOUTS`: the exact layout by its pattern, the rest by the
    general path."""
    kind = lines["kind"][0]
    if kind in EXACT_FIELDS and _read_exact(lines):
        return _by_exact_fields(lines, kind)
    groups = lines["message"].str.extract_groups(LAYOUTS[kind]).struct.unnest()
    plain = groups[groups.columns[0]].is_not_null()
    fast = lines.with_columns(groups[column].cast(ROW_COLUMNS[column], strict=False) for column in groups.columns)
    return _fast_or_generic(lines, fast, plain, kind, keep_text=kind == "xray")


def _read_exact(lines: pl.DataFrame) -> bool:
    """Whether the scanner read every line in its exact layout (:data:`EXACT_COLUMNS`)."""
    return EXACT_COLUMNS[0] in lines.columns and not lines.is_empty() and not lines[EXACT_COLUMNS[0]].null_count()


def _by_exact_fields(lines: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Lines in an exact layout with the fields the scanner read (the text the layout's pattern
    captures), checked by the same rule as every row."""
    fields = [pl.col(name).cast(ROW_COLUMNS[column], strict=False).alias(column)
              for column, name in zip(EXACT_FIELDS[kind], EXACT_COLUMNS, strict=False)]
    fast = lines.with_columns(fields).drop(EXACT_COLUMNS)
    return _fast_or_generic(lines.drop(EXACT_COLUMNS), fast, pl.repeat(True, lines.height, eager=True), kind)


def read_number(raw: pl.Expr, unit: str) -> pl.Expr:
    """A number as a text line (with its unit or none) or a JSON record (a bare number) writes
    it; null if it is not one. Whether it is possible is :data:`POSSIBLE`'s business."""
    return raw.str.strip_chars().str.extract(rf"^([-+0-9.eE]+)(?:\s*{unit})?$").cast(F, strict=False)


def generic_rows(text: pl.DataFrame) -> pl.DataFrame:
    """Any text platform line, fields found by key name whatever their order or separators.

    Every key is marked in one pass; then only the fields the present line kinds carry are read."""
    if text.is_empty():
        return text.drop("message")
    present = set(text["kind"].unique().to_list())
    text = text.with_columns(pl.col("message").str.replace_all(KEY_PATTERN, "\x1f${1}${2}=").alias("marked"))
    raws, columns = [], []
    for column in ROW_COLUMNS:
        field = FIELD_BY_COLUMN.get(column)
        wanted = [kind for kind, cols in WANTED.items() if column in cols and kind in present]
        if field is None or not wanted:
            continue
        raw = pl.col("marked").str.extract(f"\x1f{re.escape(field.key)}=([^\t\x1f\n]*)")
        raws.append((raw if len(wanted) == len(present) else pl.when(pl.col("kind").is_in(wanted)).then(raw))
                    .alias(f"raw_{column}"))
        raw = pl.col(f"raw_{column}")
        # A number with its unit, or one word (ids, status, runtime): more is no value of this field.
        raw = read_number(raw, field.unit) if field.dtype is not S else raw.str.strip_chars().str.extract(r"^(\S+)$")
        columns.append(raw.alias(column))
    if "timeout" in present:
        timeout_request = pl.col("message").str.extract(rf"(\S+)\s+{TIMEOUT_MARK}")
        columns.append(pl.when(pl.col("kind") == "timeout").then(timeout_request).alias("timeout_request"))
    rows = text.with_columns(raws).with_columns(columns).pipe(_with_reasons)
    return _with_shape_reasons(rows, present).pipe(_checked).pipe(_keep_reject_text)


def _with_shape_reasons(rows: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    """A line whose fields were all read can still hold more: a known key its kind never carries,
    a key twice, or text that is no field. Each makes the line a reject naming it (see
    :data:`CARRIED`). Runs on the general path only, which exact-layout lines never reach."""
    kinds = [kind for kind in present if kind in CARRIED]
    if not kinds:
        return rows
    keys = pl.col("marked").str.extract_all("\x1f([^=\x1f]+)=").list.eval(pl.element().str.slice(1).str.head(-1))
    # What is left once the line's first word and every key=value are taken out must be blank.
    # (the X-Ray trailer's unkept values are one word each, like every text value but numbers)
    leftover = (pl.col("marked").str.replace(f"^(?:{LINE_WORDS}) ", "")
                .str.replace_all(f"\x1f(?:{'|'.join(UNKEPT_KEYS)})=[ ]*[^\\s\x1f]*", "")
                .str.replace_all("\x1f[^\t\x1f\n]*", "").str.strip_chars())
    reason = pl.col("reject")
    for kind in kinds:
        label = PREFIXES[kind].split()[0]
        foreign = keys.list.set_difference(pl.lit(sorted(CARRIED[kind]), pl.List(S))).list.first()
        doubled = keys.list.eval(pl.element().filter(pl.element().is_duplicated())).list.first()
        this = pl.col("kind") == kind
        reason = (pl.when(reason.is_null() & this & foreign.is_not_null())
                  .then(pl.format(f"{label} line with a field {label} lines never have: {{}}", foreign))
                  .when(reason.is_null() & this & doubled.is_not_null())
                  .then(pl.format(f"{label} line with {{}} twice", doubled))
                  .when(reason.is_null() & this & (leftover != ""))
                  .then(pl.format(f"{label} line with text that is no known field: {{}}", leftover.str.head(60)))
                  .otherwise(reason))
    return rows.with_columns(reason.alias("reject"))


def _keep_reject_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Keep the message only where it is needed: in a reject's ``text``."""
    return rows.with_columns(
        # XRAY lines keep theirs too: whether a trailer is orphaned is known only later.
        pl.when(pl.col("reject").is_not_null() | (pl.col("kind") == "xray")).then(pl.col("message")).alias("text")
    ).drop("message", "marked", strict=False)


def _with_reasons(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``reject``: a reason for a platform line that lacks a field it cannot do without, or
    carries a field that cannot be read (``raw_<column>``: the field's text, null where the line
    has no such key). No field a line carries is dropped silently. Drops the ``raw_`` columns."""
    reason = pl.lit(None, S)
    failed = pl.col("status").is_not_null() & (pl.col("status") != "success") if "status" in rows.columns \
        else pl.lit(False)
    in_json = pl.col("json").fill_null(False) if "json" in rows.columns else pl.lit(False)
    for kind, columns in WANTED.items():
        for column in reversed(columns):  # the first field named wins
            if column not in rows.columns:
                continue
            missing = pl.lit(False)
            if column in REQUIRED.get(kind, ()):
                missing = ~pl.col(f"raw_{column}").is_not_null() if f"raw_{column}" in rows.columns else pl.lit(True)
                if column in OPTIONAL_IN_JSON.get(kind, ()):
                    missing &= ~in_json
                if column in OPTIONAL_IF_FAILED.get(kind, ()):
                    missing &= ~failed
            unreadable = pl.col(f"raw_{column}").is_not_null() if f"raw_{column}" in rows.columns else pl.lit(False)
            reason = pl.when((pl.col("kind") == kind) & pl.col(column).is_null() & (missing | unreadable)).then(
                pl.lit(f"{PREFIXES[kind].split()[0]} line without a readable {FIELD_BY_COLUMN[column].key}")
            ).otherwise(reason)
    return rows.with_columns(reason.alias("reject")).drop(pl.selectors.starts_with("raw_"))


def json_rows(events: pl.DataFrame) -> pl.DataFrame:
    """Platform events in Lambda's JSON log format (``{"time", "type": "platform.*", "record"}``)."""
    lines = events.filter(pl.col("kind") == "json")
    if lines.is_empty():
        return lines.drop("message")
    decoded, bad = _decode_json(lines)
    record = pl.col("doc").struct.field("record")
    json_kind = pl.col("doc").struct.field("type")

    def read(name: str) -> pl.Expr:
        alternatives = []
        for path in JSON_PATHS[name]:
            expr = record
            for key in path:
                expr = expr.struct.field(key)
            alternatives.append(expr)
        value = pl.coalesce(alternatives) if len(alternatives) > 1 else alternatives[0]
        return value.alias(f"raw_{name}")

    def typed(name: str) -> pl.Expr:
        """The value read from its JSON text by the same rules as a text line's."""
        raw = pl.col(f"raw_{name}")
        if name == "trace_id":  # "Root=1-...;Parent=...;Sampled=1"
            return raw.str.extract(r"Root=([^;]+)").alias(name)
        return (raw if ROW_COLUMNS[name] is S else read_number(raw, FIELD_BY_COLUMN[name].unit)).alias(name)

    out = decoded.with_columns(
        pl.when(json_kind.str.starts_with("platform."))
        .then(json_kind.replace_strict(JSON_KINDS, default="platform_other"))
        .otherwise(pl.lit("app")).alias("kind"),
        pl.coalesce(parse_log_time(pl.col("doc").struct.field("time")), pl.col("timestamp")).alias("timestamp"),
        pl.lit(True).alias("json"),
        *[read(name) for name in JSON_PATHS],
    ).with_columns(
        # initReport / restoreReport carry their duration as metrics.durationMs.
        pl.when(pl.col("kind") == kind).then(pl.col("raw_duration_ms")).otherwise(pl.col(f"raw_{column}"))
        .alias(f"raw_{column}")
        for kind, column in PHASE_DURATION.items()
    ).with_columns(
        pl.when(pl.col("kind").is_in(list(PHASE_DURATION))).then(None).otherwise(pl.col("raw_duration_ms"))
        .alias("raw_duration_ms")
    ).with_columns(typed(name) for name in JSON_PATHS).pipe(_with_reasons).pipe(_checked).drop("doc")
    if not bad.is_empty():
        out = pl.concat([out, bad.with_columns(pl.lit(True).alias("json"))], how="diagonal_relaxed")
    return _keep_reject_text(out)


def _decode_json(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decode all JSON lines at once; only if that fails, find the bad lines one by one."""
    try:
        return lines.with_columns(pl.col("message").str.json_decode(JSON_DTYPE).alias("doc")), lines.clear()
    except pl.exceptions.PolarsError:
        pass
    valid = []
    for message in lines["message"]:
        try:
            document = orjson.loads(message)
            valid.append(isinstance(document, dict) and isinstance(document.get("record", {}), dict))
        except orjson.JSONDecodeError:
            valid.append(False)
    mask = pl.Series(valid, dtype=pl.Boolean)
    good, bad = lines.filter(mask), lines.filter(~mask)
    try:
        decoded = good.with_columns(pl.col("message").str.json_decode(JSON_DTYPE).alias("doc"))
    except pl.exceptions.PolarsError:  # a shape the schema cannot hold: report, never crash
        decoded, bad = good.clear().with_columns(pl.lit(None, JSON_DTYPE).alias("doc")), lines
    bad = bad.with_columns(pl.lit("platform_json").alias("kind"),
                           pl.lit("malformed JSON platform event").alias("reject"))
    return decoded, bad
