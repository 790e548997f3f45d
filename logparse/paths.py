"""The files behind the paths a user names: folders walked and globs matched, each real file once.

Why not ``Path.rglob`` / ``glob.glob``: both follow directory symlinks without remembering where
they have been, so one ``selfloop -> .`` reads every file 41 times (until the path is too long)
and two loops never finish; and both skip a folder they cannot list without a word. Here every
folder and file is identified by ``(device, inode)``: a folder or file reached a second time
(through a symlink) is not read again, a symlink back into its own ancestors is reported once, a
folder that cannot be listed is reported. Real paths win over symlinked ones (they are walked
first), so a file keeps the name its folder gives it (the function name in ``aws/lambda/<f>/``).

File names that are not valid UTF-8 are read like any other; their name shows the odd bytes as
``\\xNN`` (tables and messages need text; the file is opened by its real name).
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

NOT_LOGS = {".md", ".py", ".pyc", ".toml", ".cfg", ".ini", ".txt~"}


@dataclass(frozen=True)
class Found:
    """One file to read: ``name`` for tables and messages, ``path`` to open it by."""

    name: str
    path: str


@dataclass
class Listing:
    """What a path named: the files, the parts that could not be read, and notes (nothing lost)."""

    files: list[Found] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    notes: list[str] = field(default_factory=list)


def display_name(path: str) -> str:
    """A path as text: bytes that are not UTF-8 as ``\\xNN`` (Python holds them as surrogates)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def not_a_log(name: str) -> bool:
    """Files a folder of logs commonly holds beside them (its README, the script that made it, hidden
    files), skipped when expanding a folder; named explicitly or matched by a glob, any file is read."""
    return name.startswith(".") or os.path.splitext(name)[1].lower() in NOT_LOGS


def _skipped_folder(name: str) -> bool:
    """Hidden folders (``.git``, an export's ``.runs``) and ``__pycache__`` are not walked."""
    return name.startswith(".") or name == "__pycache__"


def find(text: str) -> Listing:
    """The files ``text`` names: itself, every log file below a folder, or a glob's matches."""
    listing = Listing()
    if os.path.isdir(text):
        root = str(Path(text))
        _Walk(listing, root, wants=lambda parts: not not_a_log(parts[-1]),
              enters=lambda parts: not _skipped_folder(parts[-1]), prefix=root != ".").run()
    elif os.path.exists(text) or os.path.islink(text):
        listing.files.append(Found(display_name(str(Path(text))), text))
    elif glob.has_magic(text):
        _glob(listing, text)
        if not listing.files and not listing.problems:
            listing.problems.append((display_name(text), "no file matches this pattern"))
    else:
        listing.problems.append((display_name(text), "no such file or folder"))
    return listing


def total_bytes(texts: list[str]) -> int:
    """Bytes on disk behind the paths, each real file once (to decide whether to show progress)."""
    total = 0
    for text in texts:
        for found in find(text).files if text != "-" else []:
            with contextlib.suppress(OSError):
                total += os.stat(found.path).st_size
    return total


def _glob(listing: Listing, pattern: str) -> None:
    """``glob.glob(pattern, recursive=True)``'s matches (files only; ``**`` is any number of
    folders; ``*`` matches no hidden name), walked loop-safe from the pattern's fixed prefix."""
    parts = Path(pattern).parts
    fixed = 0
    while fixed < len(parts) - 1 and not glob.has_magic(parts[fixed]):
        fixed += 1
    base, rest = parts[:fixed], parts[fixed:]
    root = str(Path(*base)) if base else "."
    if not os.path.isdir(root):
        return
    depth = None if "**" in rest else len(rest)
    dotted = any(part.startswith(".") for part in rest)

    def wants(found: tuple[str, ...]) -> bool:
        return _matches(found, rest)

    def enters(found: tuple[str, ...]) -> bool:  # no need to walk what cannot match (.git, say)
        return (depth is None or len(found) < depth) and (dotted or not found[-1].startswith("."))

    _Walk(listing, root, wants, enters, prefix=bool(base)).run()


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Path components against glob components, as ``glob`` does (``**`` spans zero or more)."""
    if not pattern:
        return not parts
    head = pattern[0]
    if head == "**":
        return any(_matches(parts[i:], pattern[1:]) for i in range(len(parts) + 1)
                   if not any(p.startswith(".") for p in parts[:i]))
    if not parts or (parts[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatchcase(parts[0], head) and _matches(parts[1:], pattern[1:])


class _Walk:
    """One loop-safe walk below ``root``; files ``wants`` accepts go to ``listing``."""

    def __init__(self, listing: Listing, root: str, wants: Callable[[tuple[str, ...]], bool],
                 enters: Callable[[tuple[str, ...]], bool], prefix: bool = True) -> None:
        self.listing, self.root, self.wants, self.enters, self.prefix = listing, root, wants, enters, prefix
        self.folders: set[tuple[int, int]] = set()
        self.files: set[tuple[int, int]] = set()
        self.links: list[tuple[str, tuple[str, ...]]] = []  # symlinks, followed after the real tree

    def run(self) -> None:
        try:
            self.folders.add(_identity(os.stat(self.root)))
        except OSError as err:
            self._problem(self.root, f"cannot read folder: {err.strerror or err}")
            return
        found: list[tuple[tuple[str, ...], Found]] = []
        self._tree(self.root, (), found)
        while self.links:  # a symlink may lead to more symlinks: first come, first walked
            path, parts = self.links.pop(0)
            self._link(path, parts, found)
        found.sort(key=lambda item: item[0])
        self.listing.files.extend(f for _, f in found)

    def _tree(self, start: str, parts: tuple[str, ...], found: list[tuple[tuple[str, ...], Found]]) -> None:
        """The real (not symlinked) folders below ``start``, depth first; symlinks are queued.
        ``start`` is already known to :attr:`folders`; each folder below is identified when it is
        listed (a bind mount can show one folder twice)."""
        stack = [(start, parts, True)]
        while stack:
            folder, parts, known = stack.pop()
            try:
                if not known:
                    identity = _identity(os.lstat(folder))
                    if identity in self.folders:
                        continue
                    self.folders.add(identity)
                with os.scandir(folder) as entries:
                    listed = sorted(entries, key=lambda e: e.name)
            except OSError as err:
                self._problem(folder, f"cannot list folder: {err.strerror or err}")
                continue
            below = []
            for entry in listed:
                here = (*parts, entry.name)
                try:
                    if entry.is_symlink():
                        self.links.append((entry.path, here))
                    elif entry.is_dir(follow_symlinks=False):
                        if self.enters(here):
                            below.append((entry.path, here, False))
                    elif entry.is_file(follow_symlinks=False) and self.wants(here):
                        self._file(entry.path, here, entry.stat(follow_symlinks=False), found)
                except OSError as err:
                    self._problem(entry.path, f"cannot read: {err.strerror or err}")
            stack.extend(reversed(below))

    def _link(self, path: str, parts: tuple[str, ...], found: list[tuple[tuple[str, ...], Found]]) -> None:
        try:
            target = os.stat(path)
        except OSError as err:
            if self.wants(parts):  # a dangling link where a log file would be
                self._problem(path, f"cannot read: {err.strerror or err} (broken symbolic link?)")
            return
        if stat.S_ISDIR(target.st_mode):
            if not self.enters(parts):
                return
            if _identity(target) in self.folders:
                if _is_loop(path):
                    self.listing.notes.append(f"{display_name(path)}: symbolic link back to "
                                              f"{display_name(os.path.realpath(path))} not followed "
                                              "(every file in it is read once)")
                return  # another name for a folder already read: its files are read once
            self.folders.add(_identity(target))
            self._tree(path, parts, found)
        elif stat.S_ISREG(target.st_mode) and self.wants(parts):
            self._file(path, parts, target, found)

    def _file(self, path: str, parts: tuple[str, ...], info: os.stat_result,
              found: list[tuple[tuple[str, ...], Found]]) -> None:
        if _identity(info) in self.files:
            return  # a second name (symlink, hard link) of a file already listed
        self.files.add(_identity(info))
        name = path if self.prefix else os.path.join(*parts)
        found.append((parts, Found(display_name(name), name)))

    def _problem(self, path: str, reason: str) -> None:
        self.listing.problems.append((display_name(path), reason))


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _is_loop(link: str) -> bool:
    """Whether the symlink points at one of the folders it sits in."""
    target = os.path.realpath(link)
    parent = os.path.realpath(os.path.dirname(link) or ".")
    return parent == target or parent.startswith(target.rstrip(os.sep) + os.sep)
