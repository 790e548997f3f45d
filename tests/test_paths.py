"""logparse.paths: folders and globs give each real file once, whatever names and links they hold."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import logparse
from logparse import paths
from logparse.errors import one_line, shown

ROOT = Path(__file__).parent.parent
TAIL = Path(__file__).parent / "data" / "envelopes" / "tail.log"  # 3 invocations of "checkout"


def log(k: int) -> bytes:
    """tail.log with request ids of its own: the loader counts the same event read twice once, so
    files that should each count need events of their own."""
    return TAIL.read_text().replace("aaaaaaaa", f"{k:08x}").encode()


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI in a fresh process; ``timeout`` bounds a walk that would never end."""
    return subprocess.run([sys.executable, "-m", "logparse", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def loaded(*inputs: str) -> tuple[logparse.Tables, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = logparse.load(*inputs, function="checkout")
    return tables, [str(w.message) for w in caught]


# --------------------------------------------------------------------------- names


def test_file_name_that_is_not_utf8_is_read_and_named_escaped(tmp_path: Path) -> None:
    (tmp_path / "good.log").write_bytes(log(1))
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9 \xff.log")  # Latin-1, not UTF-8
    with open(odd, "wb") as fh:
        fh.write(log(2))
    tables, _ = loaded(str(tmp_path))
    assert tables.stats.files == 2 and len(tables.invocations) == 6
    assert sorted(tables.invocations["source"].unique()) == [str(tmp_path / "caf\\xe9 \\xff.log"),
                                                              str(tmp_path / "good.log")]
    named, _ = loaded(os.fsdecode(odd))  # named on the command line, the same
    assert len(named.invocations) == 3
    result = cli("summary", str(tmp_path), "--function", "checkout", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_shown_escapes_what_could_forge_or_garble_a_line() -> None:
    assert shown("a\nerror: forged") == "a\\nerror: forged"
    assert shown("tab\there\r\x1b[31m\x7f") == "tab\\there\\r\\x1b[31m\\x7f"
    assert shown("line\u2028sep") == "line\\u2028sep"
    assert shown(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    assert shown("Zeitüberschreitung é") == "Zeitüberschreitung é"  # printable text is left alone


def test_a_newline_in_a_file_name_does_not_forge_a_second_line(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "ok.log").write_bytes(log(3))
    (folder / "gone\nerror: forged.log").symlink_to(tmp_path / "nowhere")  # unreadable: named in a message
    (folder / "loop\nwarning: forged").symlink_to(".")  # reported as a warning
    result = cli("summary", str(folder), "--function", "checkout")
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert len(lines) == 2, result.stderr
    assert any(line.startswith("error: ") and "gone\\nerror: forged.log" in line for line in lines)
    assert any(line.startswith("warning: ") and "loop\\nwarning: forged" in line for line in lines)
    bad_out = cli("export", str(folder / "ok.log"), "--out", str(folder / "ok.log" / "x\ny"))
    assert bad_out.returncode == 1 and bad_out.stderr.count("\n") == 1 and "x\\ny" in bad_out.stderr


# --------------------------------------------------------------------------- symlinks


def tree_with_loops(root: Path) -> Path:
    """logs/{a.log, sub/b.log, selfloop -> ., sub/up -> .., alias -> sub} : two real files."""
    logs = root / "logs"
    (logs / "sub").mkdir(parents=True)
    (logs / "a.log").write_bytes(log(4))
    (logs / "sub" / "b.log").write_bytes(log(5))
    (logs / "selfloop").symlink_to(".")
    (logs / "sub" / "up").symlink_to("..")
    (logs / "alias").symlink_to("sub")  # another name for a folder: read once, not a loop
    return logs


def test_symlink_loops_read_each_file_once_and_are_reported_once(tmp_path: Path) -> None:
    logs = tree_with_loops(tmp_path)
    for pattern in (str(logs), str(logs / "**" / "*.log")):
        tables, notes = loaded(pattern)
        assert tables.stats.files == 2 and len(tables.invocations) == 6, pattern
        # Real paths win over symlinked ones.
        assert sorted(tables.invocations["source"].unique()) == [str(logs / "a.log"), str(logs / "sub" / "b.log")]
        assert len(notes) == 2 and len(set(notes)) == 2, notes
        assert any("selfloop" in n for n in notes) and any("up" in n for n in notes)
        assert not any("alias" in n for n in notes)
    # Two loops never finished before (and one read every file 41 times): bounded by the timeout.
    result = cli("summary", str(logs / "**" / "*.log"), "--function", "checkout", "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"files": 2' in result.stdout


def test_a_symlinked_folder_outside_the_tree_is_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.log").write_bytes(log(6))
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "current").symlink_to(elsewhere)
    (logs / "c-again.log").symlink_to(elsewhere / "c.log")  # the same file by two names: read once
    tables, notes = loaded(str(logs))
    assert tables.stats.files == 1 and notes == []
    assert tables.invocations["source"].unique().tolist() == [str(logs / "c-again.log")]


@pytest.mark.parametrize("pattern", ["*.log", "**/*.log", "sub/*.log", "s*/**/*", "**", "**/.h*", "*/*/*.gz",
                                     "sub/**/deep/*.log", "[ab]*.log"])
def test_glob_matches_what_glob_glob_matches(tmp_path: Path, monkeypatch, pattern: str) -> None:
    for name in ("a.log", "b.log", "c.txt", ".hidden.log", "sub/x.log", "sub/deep/y.log", "sub/deep/z.gz",
                 ".hid/w.log", "sub/.h/v.log", "s2/q/deep/r.log"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    monkeypatch.chdir(tmp_path)
    for text in (pattern, str(tmp_path / pattern)):
        expected = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
        assert sorted(f.name for f in paths.find(text).files) == expected, text


# --------------------------------------------------------------------------- unreadable folders


def test_a_folder_that_cannot_be_listed_is_reported_and_the_rest_read(tmp_path: Path, monkeypatch) -> None:
    logs = tmp_path / "logs"
    (logs / "locked").mkdir(parents=True)
    (logs / "a.log").write_bytes(log(7))
    (logs / "locked" / "b.log").write_bytes(log(8))
    real = os.scandir

    def scandir(path):  # what a folder without read permission gives a non-root user
        if os.fspath(path) == str(logs / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(paths.os, "scandir", scandir)
    tables, _ = loaded(str(logs))
    assert len(tables.invocations) == 3
    problems = tables.rejects[tables.rejects["line"].isna()]
    assert problems[["source", "reason"]].values.tolist() == [[str(logs / "locked"),
                                                               "cannot list folder: Permission denied"]]


def test_a_folder_too_deep_to_list_is_reported(tmp_path: Path) -> None:
    """Real, even as root: a folder whose path is longer than PATH_MAX cannot be listed."""
    (tmp_path / "a.log").write_bytes(log(9))
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for level in range(18):  # 18 x 242 bytes > 4096
            name = f"{level:02d}" + "d" * 240
            os.mkdir(name, dir_fd=fd)
            deeper = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        deepest = os.open("b.log", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(deepest, log(10))
        os.close(deepest)
    finally:
        os.close(fd)
    result = cli("summary", str(tmp_path), "--function", "checkout", "--json")
    assert result.returncode == 1  # an input could not be read; the others were
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path}/00d") and line.endswith("cannot list folder: File name too long")
    assert '"invocations": 3' in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any folder; the stubbed test covers the report")
def test_a_folder_without_permission_is_reported(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.log").write_bytes(log(11))
    (tmp_path / "a.log").write_bytes(log(12))
    (tmp_path / "locked").chmod(0)
    try:
        tables, _ = loaded(str(tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert len(tables.invocations) == 3
    assert tables.rejects["reason"].tolist() == ["cannot list folder: Permission denied"]


def test_one_line_prints_the_hint_once() -> None:
    class Old(Exception):  # an error class that already puts its hint in its text
        exit_code = 1

        def hint(self) -> str:
            return "retry later"

        def __str__(self) -> str:
            return "logs:FilterLogEvents: HTTP 500 (retry later)"

    assert one_line(Old()) == "error: logs:FilterLogEvents: HTTP 500 (retry later)"
    from logparse.export import ExportError

    assert one_line(ExportError("cannot write x", "free space")) == "error: cannot write x (free space)"
