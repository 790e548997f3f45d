"""The bytes of one input, read in bounded blocks whatever it holds.

A file, stdin or an upload is never held whole: it is read (and gzip inflated) a block at a time
into one reused buffer (a large input: into two in turn, the next read in a thread while the
parser works on the other), and the parser sees whole lines of it (:func:`whole_lines`). What one
input may cost is stated in :class:`Limits`: a line longer than ``max_line_bytes`` becomes a
reject with its length, and gzip that inflates beyond ``max_inflate_ratio`` or
``max_inflated_bytes`` ends that input with one reject naming it. So memory grows with the rows
the parser keeps, not with the bytes it reads, and a gzip bomb, ``/dev/zero`` piped in or one
endless line cost a bounded amount of memory and time.
"""

from __future__ import annotations

import mmap
import re
import sys
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from isal import isal_zlib

from logparse import memory

GZIP_MAGIC = b"\x1f\x8b"
BLOCK = 32 << 20  # bytes read (or inflated) at a time: enough for both cores (lines.CHUNK each) many times over
HEAD = 1 << 16  # bytes of the start an envelope is recognised by
MAX_GZIP_LAYERS = 3  # gzip of gzip of gzip; deeper nesting is refused (only a bomb does that)
RATIO_FLOOR = 64 << 20  # the ratio limit applies once this much is inflated (small files may be tiny)
AHEAD_BYTES = 4 << 20  # inputs from this size (or of unknown size) are read ahead in a thread
STOP_SECONDS = 5.0  # how long a reader that gives up early waits for the read-ahead thread to end
INFLATE_PIECE = 1 << 20  # bytes inflated per call: ISA-L inflates 1 MiB pieces 2.5x faster than 4 MiB ones
COMPRESSED_PIECE = 1 << 17  # gzip read per call: it inflates to about a piece, so little input is left over
# (what is left over is copied at every call: with 1 MiB read, about 30 MB copied per 176 MB inflated)


Buffer = mmap.mmap | bytearray  # what a Span's lines lie in: find, rfind, slices and the buffer protocol


@dataclass(frozen=True)
class Limits:
    """What one input may cost. The defaults never trip on real CloudWatch data (a Lambda log
    event is at most 256 KB; text logs inflate 5-30x) and stop a gzip bomb within a second.

    - ``max_line_bytes``: a longer line is a reject with its length (the rest of the file is read);
    - ``max_inflate_ratio``: gzip inflating more than this many times its compressed size (once
      past 64 MiB) ends the input (deflate's own maximum is about 1032x: only a bomb gets close);
    - ``max_inflated_bytes``: gzip inflating beyond this ends the input;
    - ``max_document_bytes``: envelopes parsed as one document (X-Ray, Logs Insights, subscription
      payloads, a JSON envelope that is not one array of events) larger than this are refused.
    """

    max_line_bytes: int = 1 << 20
    max_inflate_ratio: float = 250.0
    max_inflated_bytes: int = 64 << 30
    max_document_bytes: int = 2 << 30


DEFAULT_LIMITS = Limits()


def check_headroom(need: int) -> None:
    """Raise MemoryError before about ``need`` more bytes would pass the process's address-space
    limit (``ulimit -v``): a native library that fails to allocate there aborts the whole process
    instead (Polars' allocator does), with no chance to say what happened. Checked once per block
    read and before each parse, not per allocation."""
    if not sys.platform.startswith("linux"):
        return
    import resource

    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft == resource.RLIM_INFINITY:
        return
    with open("/proc/self/status", "rb") as status:
        size = next((int(line.split()[1]) * 1024 for line in status if line.startswith(b"VmSize:")), 0)
    if size + need > soft:
        raise MemoryError(f"the memory limit ({size_text(soft)}, ulimit -v) is reached: {size_text(size)} in use, "
                          f"about {size_text(need)} more needed")


class InputTooLarge(Exception):
    """An input went past one of its :class:`Limits`; the message says which and how to raise it."""


def parse_size(text: str) -> int:
    """``1048576``, ``1M``, ``1MiB``, ``64G``: a byte count (K, M, G, T are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not match or float(match[1]) <= 0:
        raise ValueError(f"not a size: {text!r} (e.g. 1048576, 1M, 64G)")
    return int(float(match[1]) * 1024 ** " kmgt".index(match[2].lower() or " "))


def size_text(n: float) -> str:
    """A byte count for people: ``1 MiB``, ``64 GiB``, ``4,096 bytes``."""
    for unit, power in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << power:
            value = n / (1 << power)
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{int(n):,} bytes"


class Stream:
    """A readable input with a peek at its start: ``read(n)`` returns at most ``n`` bytes and
    ``b""`` at the end. ``raw`` is what was read from the underlying source (compressed bytes)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.pending = b""
        self.raw = 0

    def head(self, n: int = HEAD) -> bytes:
        """The first ``n`` bytes (fewer at the end), without consuming them."""
        while len(self.pending) < n:
            more = self._read(n - len(self.pending))
            if not more:
                break
            self.pending += more
        return self.pending[:n]

    def read(self, n: int) -> bytes:
        if self.pending:
            out, self.pending = self.pending[:n], self.pending[n:]
            return out
        return self._read(n)

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` from the start (no copy through a bytes object where the source can)."""
        if self.pending or not hasattr(self.source, "readinto"):
            data = self.read(len(view))
            view[:len(data)] = data
            return len(data)
        got = self.source.readinto(view) or 0
        self.raw += got
        return got

    def _read(self, n: int) -> bytes:
        data = self.source.read(n) or b""
        if isinstance(data, str):  # a text-mode file object
            data = data.encode("utf-8", "surrogateescape")
        self.raw += len(data)
        return bytes(data)

    def read_all(self, limit: int) -> bytes:
        """The rest as one document, refused past ``limit`` bytes."""
        pieces: list[bytes] = []
        size = 0
        while True:
            piece = self.read(BLOCK)
            if not piece:
                return b"".join(pieces)
            size += len(piece)
            if size > limit:
                raise InputTooLarge(f"document larger than {size_text(limit)}, read whole for its envelope "
                                    f"(--max-document-bytes / Limits.max_document_bytes raises it)")
            pieces.append(piece)


class Inflated(Stream):
    """A gzip stream (every member, as ``gzip -d`` reads them) inflated a block at a time (ISA-L:
    about twice zlib's speed), within :class:`Limits`. A corrupt or truncated stream ends where
    it breaks and ``problem`` says so; a limit ends it with ``problem`` naming the limit."""

    def __init__(self, compressed: Stream, limits: Limits) -> None:
        super().__init__(None)
        self.compressed = compressed
        self.limits = limits
        self.inflater = isal_zlib.decompressobj(wbits=31)
        self.tail = b""  # compressed bytes read but not yet inflated
        self.out = 0
        self.problem: str | None = None
        self.done = False
        self.drained = False  # every compressed byte has been read

    def _read(self, n: int) -> bytes:
        while not self.done:
            if not self.tail and not self.drained:
                self.tail = self.compressed.read(COMPRESSED_PIECE)
                self.drained = not self.tail
            try:
                data = self.inflater.decompress(self.tail, min(n, INFLATE_PIECE))
            except (isal_zlib.error, zlib.error) as exc:  # type: ignore[misc]  # isal ships no stubs
                self._stop(f"corrupt gzip data ({exc}); kept {self.out:,} bytes")
                break
            self.tail = self.inflater.unconsumed_tail
            if self.inflater.eof:  # the next member, if any (zeros may pad between them)
                self.tail = self.inflater.unused_data.lstrip(b"\x00")
                if (self.tail or self.compressed.head(2))[:2] == GZIP_MAGIC:
                    self.inflater = isal_zlib.decompressobj(wbits=31)
                else:  # anything after the last member is ignored, as gzip does
                    self.done = True
            elif self.drained and not data and not self.tail:  # ISA-L holds output until asked twice
                self._stop(f"truncated gzip file; kept {self.out:,} decoded bytes")
            if data:
                self.out += len(data)
                self.raw = self.out  # what a gzip wrapped around this one measures its ratio by
                self._check()
                return data
        return b""

    def _check(self) -> None:
        limits = self.limits
        if self.out > limits.max_inflated_bytes:
            self._stop(f"gzip inflates to more than {size_text(limits.max_inflated_bytes)} "
                       f"(--max-inflated-bytes / Limits.max_inflated_bytes raises it)")
        elif self.out > RATIO_FLOOR and self.out > limits.max_inflate_ratio * max(self.compressed.raw, 1):
            self._stop(f"gzip inflates more than {limits.max_inflate_ratio:g} times its size, as a gzip bomb does "
                       f"({size_text(self.compressed.raw)} to over {size_text(self.out)}; "
                       f"--max-inflate-ratio / Limits.max_inflate_ratio raises it)")

    def _stop(self, problem: str) -> None:
        self.problem = problem
        self.done = True


def opened(source: Any, limits: Limits) -> tuple[Stream, list[Inflated]]:
    """The input as a stream of its content: gzip (nested up to three times) inflated."""
    stream = Stream(source)
    layers: list[Inflated] = []
    while stream.head(2) == GZIP_MAGIC:
        if len(layers) == MAX_GZIP_LAYERS:
            raise InputTooLarge(f"gzip nested more than {MAX_GZIP_LAYERS} times")
        stream = Inflated(stream, limits)
        layers.append(stream)
    return stream, layers


@dataclass(frozen=True)
class Span:
    """Whole lines ``buffer[low:high]`` (the last one may lack its line break at the end of the
    input). The buffer is reused for the next span: copy out what is kept before asking for it."""

    buffer: Buffer
    low: int
    high: int


@dataclass(frozen=True)
class LongLine:
    """A line longer than the limit: its length and its first bytes; nothing else is kept."""

    length: int
    start: bytes


class LineBuffer:
    """The buffers reused for every input of a load (two when one is read ahead): their pages are
    touched once, not per input."""

    def __init__(self) -> None:
        self.buffers: list[Buffer] = [_new_buffer(0), _new_buffer(0)]

    def at_least(self, size: int, which: int = 0) -> Buffer:
        """Buffer ``which``, grown (content kept) to ``size`` bytes if smaller."""
        data = self.buffers[which]
        if len(data) < size:
            grown = _new_buffer(size)
            grown[:len(data)] = data[:]
            data = self.buffers[which] = grown
        return data

    def abandon(self) -> None:
        """New buffers from here on: a reader thread that could not be stopped still holds these."""
        self.buffers = [_new_buffer(0), _new_buffer(0)]


def _new_buffer(size: int) -> Buffer:
    """Zeroed memory of ``size`` bytes in the system's default pages (see :mod:`logparse.memory`)."""
    return memory.buffer(size)


def whole_lines(stream: Stream, limits: Limits, buffer: LineBuffer, block: int | None = None,
                size_hint: int | None = None, ahead: bool = False) -> Iterator[Span | LongLine]:
    """Spans of whole lines in input order, a :class:`LongLine` in place of each line longer than
    ``limits.max_line_bytes``. Memory: one buffer of at most ``block + max_line_bytes`` bytes
    (less for an input known to be smaller: ``size_hint``).

    ``ahead``: the next block is read (or inflated) in a thread while the caller works on this
    one, into a second buffer; each then holds half a block, so memory stays the same."""
    limit = limits.max_line_bytes
    block = BLOCK if block is None else block
    blocks = _read_ahead(stream, limits, buffer, max(block // 2, 1), size_hint) if ahead else \
        _blocks(stream, limits, buffer, block, size_hint, 1, _unclaimed)
    try:
        for item in blocks:
            if isinstance(item, LongLine):
                yield item
            else:
                yield from _split_long_lines(buffer.buffers[item[0]], item[1], limit)
    finally:
        blocks.close()  # a caller that stops early stops the read-ahead thread now, not when collected


Block = tuple[int, int]  # a filled buffer: which one, and where its whole lines end


def _unclaimed(which: int) -> None:
    """The claim of a buffer no other thread reads: nothing to wait for."""


def _blocks(stream: Stream, limits: Limits, buffer: LineBuffer, block: int, size_hint: int | None, ways: int,
            claim: Callable[[int], None]) -> Generator[Block | LongLine, None, None]:
    """The input read into ``ways`` buffers in turn, a block at a time, each buffer given as
    (which, end of its whole lines); the part line after them starts the next buffer. ``claim``
    waits until a buffer may be written (the caller is done with it)."""
    limit = limits.max_line_bytes
    full, capacity = _capacity(block, limit, size_hint)
    check_headroom(ways * capacity)
    which = 0
    claim(which)
    data = buffer.at_least(capacity + 16, which)  # 16 zero bytes after the last line: readers look past line ends
    filled, eof = 0, False
    while True:
        check_headroom(4 * capacity)  # a block read, its kept lines, their columns
        while filled < capacity and not eof:
            with memoryview(data) as view:
                got = stream.readinto(view[filled:capacity])
            eof = got == 0
            filled += got
        if filled == 0:
            return
        if filled == capacity < full:  # more than the hint said: take the full size
            capacity = full
            data = buffer.at_least(capacity + 16, which)
            continue
        cut = filled if eof else data.rfind(b"\n", 0, filled) + 1
        if cut == 0:  # a full buffer and no line break: a line longer than the limit, read past
            start, length, leftover = bytes(data[:256]), filled, b""
            while piece := stream.read(block):
                at = piece.find(b"\n")
                if at >= 0:
                    length, leftover = length + at, piece[at + 1:]
                    break
                length += len(piece)
            eof = not leftover and not stream.head(1)
            yield LongLine(length, start)
            data[:len(leftover)] = leftover
            filled = len(leftover)
            continue
        if eof:
            data[cut:cut + 16] = bytes(16)
        yield which, cut
        rest, which = filled - cut, (which + 1) % ways
        claim(which)
        following = buffer.at_least(capacity + 16, which)
        following[:rest] = data[cut:filled]
        data, filled = following, rest


def _capacity(block: int, limit: int, size_hint: int | None) -> tuple[int, int]:
    """A buffer's most whole lines (a block and the longest line), and what it holds at first
    (less for an input known to be smaller)."""
    full = block + limit
    return full, full if size_hint is None else min(full, max(size_hint + 1, 1 << 16))


class _Stopped(Exception):
    """The reader of a read-ahead gave up: its thread ends."""


def _read_ahead(stream: Stream, limits: Limits, buffer: LineBuffer, block: int, size_hint: int | None
                ) -> Generator[Block | LongLine, None, None]:
    """:func:`_blocks` run in a thread over two buffers: the next block is read (gzip inflated:
    ISA-L and file reads let go of the GIL) while the caller works on this one. An error in the
    thread is raised here, after the blocks read before it. While the thread reads the first
    block, this one touches every page of the second buffer: a block read into fresh memory
    takes twice as long as into memory touched before, and the scan of the first would wait
    for the second."""
    import queue
    import threading

    found: queue.SimpleQueue[Block | LongLine | BaseException | None] = queue.SimpleQueue()
    free = [threading.Semaphore(1), threading.Semaphore(1)]
    stopped = threading.Event()

    def claim(which: int) -> None:
        free[which].acquire()
        if stopped.is_set():
            raise _Stopped

    def read() -> None:
        try:
            for item in _blocks(stream, limits, buffer, block, size_hint, 2, claim):
                found.put(item)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the reader, raised there
            found.put(exc)
            return
        found.put(None)

    thread = threading.Thread(target=read, name="snaplens-read", daemon=True)
    _, capacity = _capacity(block, limits.max_line_bytes, size_hint)
    # (a file known to need a second buffer; not gzip or a pipe, which may be a few lines)
    second = size_hint is not None and size_hint >= capacity
    if second:
        free[1].acquire()  # the thread waits for it before its second block
    try:
        thread.start()
    except RuntimeError:  # no thread to be had (a process limit): read in this one
        yield from _blocks(stream, limits, buffer, block, size_hint, 1, _unclaimed)
        return
    held: int | None = None
    try:
        if second:
            try:
                memory.touch(buffer.at_least(capacity + 16, 1))
            finally:
                free[1].release()
        while True:
            if held is not None:  # the caller is done with it: the thread may fill it again
                free[held].release()
                held = None
            item = found.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            if not isinstance(item, LongLine):
                held = item[0]
            yield item
    finally:
        stopped.set()
        for each in free:
            each.release()
        thread.join(timeout=STOP_SECONDS)
        if thread.is_alive():  # stuck in a read (a silent pipe): it keeps the old buffers
            buffer.abandon()


def _split_long_lines(data: Buffer, high: int, limit: int) -> Iterator[Span | LongLine]:
    """``data[:high]`` as spans, with each line longer than ``limit`` cut out as a LongLine.
    When every window of ``limit // 2`` bytes holds a line break no line is that long (one
    memchr per window); only where one does not are the line breaks located."""
    step = limit // 2
    if step >= 1 << 15 and all(data.find(b"\n", at, at + step) >= 0 for at in range(0, high, step)):
        yield Span(data, 0, high)
        return
    with memoryview(data) as view:
        breaks = np.flatnonzero(np.frombuffer(view[:high], np.uint8) == 10)
    ends = breaks if len(breaks) and breaks[-1] == high - 1 else np.append(breaks, high)
    starts = np.concatenate([[0], ends[:-1] + 1])
    at = 0
    for row in np.flatnonzero(ends - starts > limit):
        if starts[row] > at:
            yield Span(data, at, int(starts[row]))
        yield LongLine(int(ends[row] - starts[row]), bytes(data[starts[row]:starts[row] + 256]))
        at = int(ends[row]) + 1
    if at < high:
        yield Span(data, at, high)
