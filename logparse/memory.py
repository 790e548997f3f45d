"""Large working memory in the system's small pages, never asking for 2 MiB ones.

numpy asks the kernel for 2 MiB ("huge") pages for every array of 4 MiB or more. On a VM that
hands freed memory back to its host (``virtio_balloon`` free page reporting, which reports free
2 MiB blocks: Firecracker, many cloud VMs), a fresh huge page is one the host must back again:
measured here, its first touch costs 2.7 ms per MB against 0.4 ms per MB in 4 KiB pages. A load
writes its read buffers, the scanner's scratch and the row columns once each, so huge pages
save nothing there, and a process that waited a few seconds (a command after its imports) paid
40-60 ms more per 2M-line load. Memory mapped here gets the system's default pages: where huge
pages are on for everything (``always``), the system still decides.

Untouched memory costs nothing either way: the room a column was given but never filled is not
in the process's resident size.
"""

from __future__ import annotations

import mmap

import numpy as np

SMALL = 1 << 20  # below this, numpy's own allocation (no huge pages under 4 MiB)
PAGE = mmap.PAGESIZE


def buffer(size: int) -> mmap.mmap | bytearray:
    """``size`` zero bytes (pages are zeroed as first touched, not before)."""
    if size < SMALL or not hasattr(mmap, "MAP_ANONYMOUS"):
        return bytearray(size)
    try:
        return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # (shared memory is shmem)
    except OSError as exc:  # ENOMEM (ulimit -d, strict overcommit): out of memory, as numpy says it
        from logparse.reading import size_text

        raise MemoryError(f"cannot map a buffer of {size_text(size)}: {exc.strerror or exc}") from exc


def empty(shape: int | tuple[int, ...], dtype: np.dtype | type = np.float64) -> np.ndarray:
    """An uninitialised C-ordered array, as ``np.empty``, in the system's default pages."""
    dims = (shape,) if isinstance(shape, int) else shape
    kind = np.dtype(dtype)
    size = int(np.prod(dims, dtype=np.int64)) * kind.itemsize
    if size < SMALL:
        return np.empty(dims, kind)
    return np.frombuffer(buffer(size), kind).reshape(dims)


def touch(memory: mmap.mmap | bytearray) -> None:
    """Every page of ``memory`` touched now (a zero written where a zero is: nothing changes),
    so that a later write, in another thread, takes no page fault. numpy lets go of the GIL as it
    writes (``MAP_POPULATE`` would hold it through the mmap call)."""
    np.frombuffer(memory, np.uint8)[::PAGE] = 0
