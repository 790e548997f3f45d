"""Telling platform lines apart: every message gets its kind (a platform line kind, an
application line, a JSON event or a timeout) as a small integer code, in one vectorized pass.

Text files come with most codes already told from their bytes (:mod:`logparse.sifting`); here the
rest are told from their first characters, confirmed against the whole prefix
(:data:`logparse.formats.PREFIXES`).
"""

from __future__ import annotations

import polars as pl

from logparse.formats import PREFIXES, TIMEOUT_MARK

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer


HEAD = 10
HEADS = {prefix[:HEAD]: kind for kind, prefix in PREFIXES.items()}
PREFIX_SERIES = pl.Series("prefix", [PREFIXES[kind] for kind in HEADS.values()], dtype=S)
HEAD_ENUM = pl.Enum(list(HEADS))
# Kind names by code: the heads' kinds in Enum order, then the lines no head names.
KIND_NAMES = (*HEADS.values(), "app", "json", "timeout")
KIND_CODES = {kind: code for code, kind in enumerate(KIND_NAMES)}
# Kinds whose lines become rows; the rest (END, application lines) are only counted.
GENERIC_KINDS = ("init_start", "init_report", "restore_start", "restore_report", "xray", "timeout")
ROW_KINDS = ("report", "start", "json", *GENERIC_KINDS)


def kinds_of_json(rows: list[pl.DataFrame]) -> dict[str, int]:
    """How many JSON lines turned out to be each kind (for the line accounting)."""
    counts: dict[str, int] = {}
    for frame in rows:
        json_rows = frame.filter(pl.col("json").fill_null(False))
        for kind, n in json_rows["kind"].value_counts().iter_rows():
            counts[kind] = counts.get(kind, 0) + n
    return counts


def kind_codes(events: pl.DataFrame) -> pl.Series:
    """The kind of every line as its index in :data:`KIND_NAMES`: a platform kind, ``app``,
    ``json`` (maybe platform) or ``timeout``.

    Lines read from text files come with the code their bytes told (``code``, see
    :func:`logparse.sifting.sift_plain`). For the others the first ten characters tell the platform kinds apart in
    one hash lookup. Then only the lines still taken for application lines are looked at again:
    a JSON platform event starts with ``{``, a timeout holds the message anywhere."""
    message = pl.col("message")
    known = events["code"] if "code" in events.columns else None
    if known is None or known.null_count():
        # A cast to an Enum of the known heads (unknown ones become null) is a hash lookup per line
        # into a small integer code; ``replace_strict`` holds three times the memory meanwhile.
        heads = events.select(message.str.head(HEAD).cast(HEAD_ENUM, strict=False).to_physical()
                              .fill_null(KIND_CODES["app"]).cast(pl.UInt8))["message"]
        heads = _confirm_prefixes(events, heads)
        code = heads if known is None else known.fill_null(heads)
    else:
        code = known
    rows = (code == KIND_CODES["app"]).arg_true()
    if not len(rows):
        return code
    others = events["message"].gather(rows).to_frame().select(
        pl.when(message.str.starts_with("{") & message.str.contains('"platform.', literal=True))
        .then(KIND_CODES["json"])
        .when(message.str.contains(TIMEOUT_MARK, literal=True)).then(KIND_CODES["timeout"])
        .otherwise(KIND_CODES["app"]).cast(pl.UInt8).alias("code")
    )["code"]
    changed = others != KIND_CODES["app"]
    return code.scatter(rows.filter(changed), others.filter(changed)) if changed.any() else code


def _confirm_prefixes(events: pl.DataFrame, code: pl.Series) -> pl.Series:
    """Ten characters name the kind; the whole prefix must be there too, or the line is an
    application line that merely starts alike (``END Request handled``, ``INIT_STARTUP done``)."""
    rows = (code < len(HEADS)).arg_true()
    if not len(rows):
        return code
    expected = PREFIX_SERIES.gather(code.gather(rows))
    confirmed = pl.DataFrame({"text": events["message"].gather(rows), "prefix": expected}).select(
        pl.col("text").str.starts_with(pl.col("prefix")))["text"]
    wrong = rows.filter(~confirmed)
    return code.scatter(wrong, KIND_CODES["app"]) if len(wrong) else code
