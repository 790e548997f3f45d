"""Loading, cached: parse files, uploads or a live fetch once per content, and aggregate once per
selection. Nothing here parses or aggregates itself; it calls :mod:`logparse`."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

import logparse
from logparse import aws, pricetable, scanner, views
from logparse.tables import Tables

HERE = Path(__file__).resolve().parent.parent  # the repository: dashboard.py and sample_logs/
SAMPLE_DIR = HERE / "sample_logs"
PREVIEW_ROWS = 1_000
MB = 1024 * 1024


@st.cache_resource(show_spinner=False)
def warm_scanner() -> bool:
    """Load the compiled scanner (on a machine that never ran it: compile it, ~10 s) in the
    background, once per server, so the first large upload or folder does not wait for it."""
    return scanner.warm_in_background() is not None


@dataclass(frozen=True)
class Loaded:
    """One loaded source: its tables, how to name it, and a key that changes when its content does."""

    tables: Tables
    label: str
    key: str
    region: str | None = None  # where a live fetch came from: the prices to use
    inputs: tuple[str, ...] = ()  # the paths given: CSV sources are shown relative to them


# --------------------------------------------------------------------------- loading (cached)


@st.cache_data(show_spinner="Reading log files…", max_entries=8)
def load_paths(paths: tuple[str, ...], fingerprint: str, function: str | None, version: str | None) -> Tables:
    """Parse files, folders or globs. ``fingerprint`` (paths, sizes, mtimes) keys the cache."""
    del fingerprint  # only a cache key: an edited file has a new fingerprint and is read again
    return logparse.load(*paths, function=function, version=version)


@st.cache_data(show_spinner="Reading uploaded files…", max_entries=8)
def load_uploads(_files: tuple[tuple[str, bytes], ...], digest: str,
                 function: str | None, version: str | None) -> Tables:
    """Parse uploaded files in memory (nothing is written to disk). ``digest`` of the bytes keys the cache."""
    del digest
    buffers = []
    for name, data in _files:
        buffer = io.BytesIO(data)
        buffer.name = name  # the library names rejects and sources after it
        buffers.append(buffer)
    return logparse.load(*buffers, function=function, version=version)


@st.cache_data(show_spinner="Fetching from CloudWatch Logs and X-Ray…", ttl=300, max_entries=4)
def load_aws(function: str, region: str | None, since: str, xray: bool) -> Tables:
    """Fetch a function's platform lines (and traces, and its versions) from AWS; cached for 5 minutes."""
    from logparse.timeutil import window

    start, now = window(since)
    return aws.fetch_tables(function, start, now, session=aws.session(region=region), xray=xray)


@st.cache_data(show_spinner=False)
def load_prices() -> pricetable.PriceTable:
    return pricetable.load_prices()


def aws_credentials_found() -> bool:
    """Offer the live source only when the standard boto3 credential chain finds credentials.

    Asked once per browser session: off EC2 the chain may wait on the instance metadata service.
    """
    if "aws_credentials_found" not in st.session_state:
        try:
            found = aws.session().get_credentials() is not None
        except Exception:  # a broken profile file means "no credentials" here, not a crash
            found = False
        st.session_state["aws_credentials_found"] = found
    return bool(st.session_state["aws_credentials_found"])


@st.cache_resource(show_spinner="Aggregating…", max_entries=4, ttl=1800)
def build_views(_tables: Tables, key: str, selection: views.Selection, bucket: str | None,
                region: str, arch: str, overrides: tuple[tuple[str, float], ...] = ()) -> views.Views:
    """The per-filter aggregation, shared (read-only) across reruns with the same filters."""
    del key  # identifies _tables, which is too large to hash on every rerun
    return views.build(_tables, selection, prices_for(region, arch, overrides), bucket=bucket)


def prices_for(region: str, arch: str, overrides: tuple[tuple[str, float], ...] = ()) -> pricetable.Prices:
    """The unit prices of ``region`` and ``arch``, with the sidebar's edits."""
    prices = load_prices().lookup(region, arch)
    return prices.with_overrides(**dict(overrides)) if overrides else prices


def files_fingerprint(paths: Sequence[str]) -> str:
    """Digest of every file's path, size and mtime under ``paths`` (folders and globs expanded)."""
    entries = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = path.rglob("*")
        elif path.exists():
            found = iter([path])
        else:
            found = Path().glob(text) if not path.is_absolute() else Path("/").glob(text.lstrip("/"))
        for file in found:
            if file.is_file():
                stat = file.stat()
                entries.append(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def bytes_digest(files: Sequence[tuple[str, bytes]], known: Sequence[str | None] = ()) -> str:
    """Digest of the names and contents of ``files``; ``known`` holds already computed per-file digests."""
    digest = hashlib.sha256()
    for i, (name, data) in enumerate(files):
        content = known[i] if i < len(known) and known[i] else hashlib.sha256(data).hexdigest()
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


def upload_digest(file: UploadedFile) -> str:
    """Content digest of one upload, computed once per upload: a 200 MB file must not be hashed on
    every widget change."""
    memo: dict[str, str] = st.session_state.setdefault("upload_digests", {})
    if file.file_id not in memo:
        memo[file.file_id] = hashlib.sha256(file.getvalue()).hexdigest()
    return memo[file.file_id]



@st.cache_data(show_spinner=False, max_entries=8)
def _series_of(_tables: Tables, key: str) -> list[str]:
    del key
    return views.series_names(_tables)


def all_series(loaded: Loaded) -> list[str]:
    """Every version of the whole load (not of the selection): the order colours are given in."""
    return _series_of(loaded.tables, loaded.key)
