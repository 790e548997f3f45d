"""Lines found in bytes (logparse.lines) against the plain Python reading of the same bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logparse import lines


def reference(data: bytes) -> list[str]:
    """The lines as a careful Python reader sees them: split on LF, one CR before it (or at the very
    end) dropped, a leading BOM dropped, invalid UTF-8 and NUL shown as U+FFFD."""
    data = data.removeprefix(lines.BOM)
    if not data:
        return []
    pieces = data.split(b"\n")
    if data.endswith(b"\n"):
        pieces.pop()
    return [p.removesuffix(b"\r").decode("utf-8", "replace").replace("\x00", "\ufffd") for p in pieces]


def read_all(data: bytes) -> list[str]:
    index = lines.index_lines(data)
    return lines.strings(index, np.arange(len(index))).to_list()


PIECES = [b"a", b"\n", b"\r", b"\r\n", b"\xff", b"\x00", b" ", b"\xef\xbb\xbf", b"\xc3\xa9", b"\xe2\x82",
          b"REPORT RequestId: x", b"twelve bytes", b"thirteen byte", b"a line longer than twelve bytes "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_lines_as_python(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert read_all(data) == reference(data)


@pytest.mark.parametrize("data, expected", [
    (b"", []),
    (b"\xef\xbb\xbf", []),
    (b"\n", [""]),
    (b"a\r\nb\r", ["a", "b"]),
    (b"a\r\r\n", ["a\r"]),  # only the CR before the LF belongs to the line break
    (b"\xef\xbb\xbfSTART\n", ["START"]),
    (b"x" * 12 + b"\n" + b"y" * 13, ["x" * 12, "y" * 13]),  # inline view and pointer view
    (b"ok \xff\x00 end", ["ok \ufffd\ufffd end"]),
])
def test_edges(data: bytes, expected: list[str]) -> None:
    assert read_all(data) == expected


def test_only_chosen_rows_and_words_past_the_end() -> None:
    data = b"first line\nsecond\nthird is the last"
    index = lines.index_lines(data)
    assert lines.strings(index, np.array([2, 0])).to_list() == ["third is the last", "first line"]
    # Eight bytes read at the very end are zero padded, never out of bounds.
    tail = lines.words(index.data, np.array([len(data) - 3, len(data)]))
    assert tail.tolist() == [int.from_bytes(b"ast", "little"), 0]


def test_many_chunks_on_several_cores(monkeypatch) -> None:
    """A blob cut into many chunks and shares: no line lost or doubled at the seams, and the
    visitor sees every line once, in chunks of whole lines."""
    monkeypatch.setattr(lines, "CHUNK", 1 << 14)
    body = b"".join(b"line %d \xc3\xa9\r\n" % i if i % 7 == 0 else b"line %d\n" % i for i in range(200_000))
    body += b"x" * 50_000  # one last line longer than a chunk, with no line break
    visited = lines.visit_lines(body, lambda chunk: (len(chunk.starts), body[chunk.low:chunk.high]))
    assert len(visited.results) > 20
    assert b"".join(piece for _, (_, piece) in visited.results) == body
    assert [row for row, _ in visited.results] == list(np.cumsum([0] + [n for _, (n, _) in visited.results])[:-1])
    assert visited.lines == len(reference(body))
    index = lines.index_lines(body)
    assert lines.strings(index, np.arange(len(index))).to_list() == reference(body)
    assert index.odd.tolist() == list(range(0, 200_000, 7))
