"""Lines told apart (and counted) from their bytes give exactly what the string parser gives when
it reads every line itself: the same tables, the same line accounting."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import logparse
from logparse import fields, formats, lines, sifting, textlines

RID = "8f5e1c2a-0000-4000-8000-000000000001"
WARM = "\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB"
BYTE_TRICKY = [
    f"START RequestId: {RID} Version: 3",
    f"START RequestId: {RID} Version: $LATEST",
    f"START RequestId: {RID}  Version: 3",  # two spaces
    f"START RequestId: {RID} Version: 3 trailing",
    "START RequestId: short-id Version: 7",
    f"END RequestId: {RID}",
    "END Request handled in 3 ms",
    "END RequestId:",
    f"REPORT RequestId: {RID}\tDuration: 12.5 ms{WARM}\t",
    f"REPORT RequestId: {RID}\tDuration: 12.5 ms{WARM}",
    f"REPORT RequestId: {RID}\tDuration: nan ms{WARM}\t",
    f"REPORT RequestId: {RID}\tDuration: 1e3 ms{WARM}\t",
    f"REPORT RequestId: {RID}\tBilled Duration: 13 ms\tDuration: 12.5 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 80 MB\t",
    f"REPORT RequestId: {RID}\tDuration: 182.96 ms\tBilled Duration: 270 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 183 MB\tRestore Duration: 700.61 ms\tBilled Restore Duration: 87 ms\t",
    f"REPORT RequestId: {RID}\tDuration: 2.5 ms\tBilled Duration: 900 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 83 MB\tInit Duration: 897.1 ms\t",
    f"REPORT RequestId: {RID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 60 MB\tStatus: timeout",
    f"REPORT RequestId: {RID[:-1]} \tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 1 MB\tMax Memory Used: 1 MB\t",
    "REPORT RequestId: 1234\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 1 MB\tMax Memory Used: 1 MB\t",
    # Unicode spaces, which an ASCII check alone would miss (the general path stops at them)
    f"REPORT RequestId: {RID[:-1]}\u00a0\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 1 MB\t"
    "Max Memory Used: 1 MB\t",
    f"START RequestId: {RID} Version: 3\u3000x",
    "REPORT Request",
    "INIT_START Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab",
    "INIT_REPORT Init Duration: 2000.50 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
    "RESTORE_START Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab",
    "RESTORE_REPORT Restore Duration: 433.10 ms",
    "RESTORE_STARTED, not a platform line",
    "XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSegmentId: 0123456789abcdef\tSampled: true",
    f"2026-11-16T10:00:03.000Z {RID} Task timed out after 3.00 seconds",
    '{"time":"2026-11-16T12:00:00.301Z","type":"platform.report","record":{"requestId":"x","metrics":'
    '{"durationMs":50.11,"billedDurationMs":81,"memorySizeMB":256,"maxMemoryUsedMB":90}}}',
    '{"level": "INFO", "message": "an application JSON line"}',
    f"[INFO]\t2026-11-16T10:00:00.530Z\t{RID}\tcharging card",
    "", "   ", "short",
]
line = st.one_of(
    st.sampled_from(BYTE_TRICKY),
    st.sampled_from(BYTE_TRICKY).flatmap(lambda s: st.integers(0, len(s)).map(lambda n: s[:n])),
    st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=60),
)


def tables_of(data: bytes) -> dict[str, pd.DataFrame]:
    loaded = logparse.load(data)
    return {"invocations": loaded.invocations, "inits": loaded.inits, "restores": loaded.restores,
            "rejects": loaded.rejects, "kinds": pd.Series(loaded.stats.kinds).sort_index()}


def as_envelope(bodies: list[str]) -> bytes:
    """The same lines as ``aws logs filter-log-events`` returns them: the string parser reads all."""
    events = [{"timestamp": None, "message": body, "logStreamName": None} for body in bodies]
    return json.dumps({"events": events}).encode()


def same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    for name in left:
        a, b = left[name], right[name]
        if isinstance(a, pd.DataFrame):
            a, b = a.drop(columns=["source", "timestamp"], errors="ignore"), b.drop(columns=["source", "timestamp"],
                                                                                     errors="ignore")
            pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=name)
        else:
            # (how many lines were JSON documents is counted for text files only)
            a, b = (kinds.drop(["json_lines"], errors="ignore") for kinds in (a, b))
            pd.testing.assert_series_equal(a, b, obj=name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=40))
def test_text_file_reads_as_the_string_parser_reads_it(bodies: list[str]) -> None:
    # A file whose first lines start with a timestamp is an S3 export: its lines carry a prefix
    # that an event's message does not (the next test holds that variant to its own reference).
    sample = bodies[:textlines.SNIFF_LINES * 4]  # the lines text_events sniffs
    assume(textlines.sniff_text_variant(pl.Series(sample, dtype=pl.String)) == "plain")
    text = "".join(body + "\n" for body in bodies).encode("utf-8", "surrogatepass")
    same(tables_of(as_envelope(bodies)), tables_of(text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(line, st.booleans()), max_size=40))
def test_s3_export_lines_sifted_lose_nothing(rows: list[tuple[str, bool]]) -> None:
    """An S3 export (timestamp before each message; continuation lines without): the same tables
    whether its lines are sifted by their bytes or all read as strings."""
    rows = [("START RequestId: a Version: 1", True), *rows]  # stamped first lines make it an S3 export
    text = "".join(("2026-11-16T10:00:00.000Z " if stamped else "") + body + "\n" for body, stamped in rows)
    text = text.encode("utf-8", "surrogatepass")
    sifted = tables_of(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sifting, "sifter", lambda prefix: keep_everything)
        unsifted = tables_of(text)
    same(unsifted, sifted)


def keep_everything(chunk: lines.Chunk) -> sifting.Sifted:
    import numpy as np

    rows = np.arange(len(chunk.starts))
    return sifting.Sifted(rows, lines.copied(chunk, rows), None, {})


def test_sifting_counts_what_it_skips() -> None:
    body = (f"START RequestId: {RID} Version: 3\n[INFO]\tprocessing\nEND RequestId: {RID}\n"
            f"{BYTE_TRICKY[8]}\nEND Request handled\n")
    picked = sifting.gather(lines.visit_lines(body.encode(), sifting.sifter(b"")))
    assert picked.counted == {"app": 2, "end": 1}  # the second END is an application line
    assert picked.text.to_list() == [BYTE_TRICKY[0], BYTE_TRICKY[8]]
    assert picked.rows.tolist() == [0, 3]


# Lines in (and near) each fast reader's layout, with values Lambda never writes but a copy could
# hold: a field per value, any separator, the XRAY trailer on the same line.
# Lines in (and near) each fast reader's layout, with values Lambda never writes but a copy could
# hold: any value, separator, field order, a key twice, an unknown field, the XRAY trailer on the
# same line. Each choice is Lambda's own most of the time, so the fast readers see many lines.
ODD_NUMBERS = st.one_of(
    st.sampled_from(["256.0", "80.7", "0", "0.0", "-1", "-0", "1e3", "1E3", "+5", ".5", "5.", "00", "nan", "inf",
                     "-inf", "1e400", "1_0", "0x10", "", " 5", "5 ", "12.5.1", "1e", "e5", "5 Foo: 1"]),
    st.integers(-5, 20_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
NUMBERS = {" ms": st.sampled_from(["12.5", "256", "1", "0.01", "433.10", "10000.00"]),
           " MB": st.sampled_from(["128", "256", "10240", "83"])}
ODD_SEPARATORS = st.sampled_from([" ", "  ", " \t", "\t "])
ODD_IDS = st.sampled_from([RID[:-1] + "\u00a0", "short-id", "a:b", "", "x y", "1-67389a00-0123456789abcdef01234567"])
ODD_WORDS = st.sampled_from(["Python:3.12", "", "a b", "3\u3000x", "Status:", "x Phase: init", "3\tFoo: 1", "x\tx"])
ODD_UNITS = st.sampled_from([" MB", " ms", "", "ms", " msec", "  ms"])
TRAILER = "XRAY TraceId: 1-67389a00-0123456789abcdef01234567 SegmentId: 0123456789abcdef Sampled: true"
REPORT_KEYS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration", "Restore Duration",
               "Billed Restore Duration", "Status", "Error Type", "Phase", "Foo Bar")


@st.composite
def near_layout_line(draw: st.DrawFn, kind: str) -> str:
    """A line of ``kind`` in Lambda's exact layout (so the fast reader takes it), or, half the
    time, with some of its choices made odd."""
    exact = draw(st.booleans())

    def pick(usual: str | st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> str:
        if not exact and not draw(st.integers(0, 3)):
            return draw(odd)
        return usual if isinstance(usual, str) else draw(usual)

    sep = pick("\t", ODD_SEPARATORS)

    def number(unit: str) -> str:
        return pick(NUMBERS[unit], ODD_NUMBERS) + pick(unit, ODD_UNITS)

    def word(usual: str) -> str:
        return pick(usual, ODD_WORDS)

    if kind == "report":
        keys = ["Duration", "Billed Duration", "Memory Size", "Max Memory Used"]
        keys += draw(st.sampled_from([[], ["Init Duration"], ["Restore Duration", "Billed Restore Duration"],
                                      ["Status", "Error Type"]]))
        if not exact and not draw(st.integers(0, 3)):
            keys = draw(st.permutations(keys)) if draw(st.booleans()) else draw(st.lists(st.sampled_from(REPORT_KEYS)))
        words = {"Status": "timeout", "Error Type": "Runtime.ExitError", "Phase": "init", "Foo Bar": "1"}
        fields = [f"{key}: " + (word(words[key]) if key in words else number(" MB" if "Memory" in key else " ms"))
                  for key in keys]
        text = f"REPORT RequestId: {pick(RID, ODD_IDS)}" + "".join(sep + field for field in fields)
    elif kind == "start":
        text = f"START RequestId: {pick(RID, ODD_IDS)}{pick(' ', ODD_SEPARATORS)}Version: {word('3')}"
    elif kind in ("init_start", "restore_start"):
        name = "INIT_START" if kind == "init_start" else "RESTORE_START"
        text = (f"{name} Runtime Version: {word('python:3.12.v36')}{sep}Runtime Version ARN: "
                f"{word('arn:aws:lambda:us-east-1::runtime:ab')}")
    elif kind == "restore_report":
        text = f"RESTORE_REPORT Restore Duration: {number(' ms')}"
        if draw(st.booleans()):
            text += f"{sep}Status: {word('timeout')}{sep}Error Type: {word('SnapStartTimeoutException')}"
    else:  # xray
        text = (f"XRAY TraceId: {pick('1-67389a00-0123456789abcdef01234567', ODD_IDS)}{sep}"
                f"SegmentId: {word('0123456789abcdef')}{sep}Sampled: {word('true')}")
    ending = pick(st.sampled_from(["", "\t"]), st.sampled_from([" ", " " + TRAILER, "\t" + TRAILER, "\tFoo: 1"]))
    return text + ending


FAST_READERS = ("report", "start", "init_start", "restore_start", "restore_report", "xray")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_exact_layout_readers_agree_with_the_general_path(data: st.DataObject) -> None:
    """Every fast reader (INIT_START, RESTORE_START, RESTORE_REPORT, XRAY, START, REPORT) holds
    exactly the values and rejects the general path, which finds each key by name, gives for the
    same lines, whatever values a copy holds (one rule, both paths); lines in any other layout
    are left to the general path."""

    kind = data.draw(st.sampled_from(FAST_READERS))
    bodies = data.draw(st.lists(st.one_of(near_layout_line(kind), line), min_size=1, max_size=30))
    chosen = [body for body in bodies if body.startswith(formats.PREFIXES[kind])]
    assume(chosen)
    frame = pl.DataFrame({"message": chosen, "kind": [kind] * len(chosen), "line": list(range(1, len(chosen) + 1))})
    reader = {"report": fields.report_rows, "start": fields.start_rows}.get(kind, fields.layout_rows)
    fast, general = reader(frame), fields.generic_rows(frame)
    for column in (*formats.WANTED[kind], "reject"):  # a column a reader never filled is all null
        values = [fast[column].to_list() if column in fast.columns else [None] * fast.height,
                  general[column].to_list() if column in general.columns else [None] * general.height]
        assert values[0] == values[1], column
    rejected = fast["reject"].is_not_null()
    assert fast["text"].filter(rejected).to_list() == general["text"].filter(rejected).to_list()


def test_the_fast_readers_take_lambdas_own_lines() -> None:
    """The property above is only worth something if the fast readers do read Lambda's lines:
    with the general path made to fail, Lambda's exact lines still read."""
    lines = {kind: next(body for body in BYTE_TRICKY if body.startswith(formats.PREFIXES[kind]))
             for kind in FAST_READERS}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fields, "generic_rows", lambda rows: 1 / 0)
        for kind, body in lines.items():
            frame = pl.DataFrame({"message": [body], "kind": [kind], "line": [1]})
            reader = {"report": fields.report_rows, "start": fields.start_rows}.get(kind, fields.layout_rows)
            assert reader(frame)["reject"].to_list() == [None], kind


@pytest.mark.parametrize("body", ["START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: Status:",
                                  "START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: 3:"])
def test_a_start_version_with_a_colon_is_read_as_the_general_path_reads_it(body: str) -> None:
    """A value ending in a colon may be a key to the general path: the fast START reader leaves it
    there instead of taking it as the version (hypothesis found ``Version: Status:``)."""

    frame = pl.DataFrame({"message": [body], "kind": ["start"], "line": [1]})
    fast, general = fields.start_rows(frame), fields.generic_rows(frame)
    assert fast.select("version", "reject").to_dicts() == general.select("version", "reject").to_dicts()
