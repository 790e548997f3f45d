"""SnapLens: AWS Lambda SnapStart observability from CloudWatch logs and X-Ray traces.

What a user may call; everything else is the library's own business (see ARCHITECTURE.md)::

    >>> import logparse
    >>> tables = logparse.load("sample_logs")            # files, folders, globs, bytes, uploads
    >>> tables.invocations[["function", "version", "start_kind", "restore_ms"]]
    >>> result = logparse.summary(tables)                # the dict `summary --json` prints
    >>> logparse.export_csvs(tables, "csv/")             # the CSVs `export` writes, atomically
    >>> live = logparse.fetch("orders-api", since="24h")  # CloudWatch (and X-Ray) through boto3
    >>> logparse.prices("us-east-1", "arm64").cache_gb_s

Every problem a user can fix is a :class:`SnapLensError` with a one-line message and a hint.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from logparse.errors import SnapLensError
from logparse.reading import DEFAULT_LIMITS, Limits
from logparse.tables import SCHEMAS, Stats, Tables

if TYPE_CHECKING:
    from logparse.pricetable import Prices
    from logparse.state import State

__all__ = ["SCHEMAS", "Limits", "Prices", "SnapLensError", "Stats", "Tables", "export_csvs", "fetch", "load",
           "prices", "summary"]
__version__ = "0.1.0"


def load(*inputs: str | os.PathLike[str] | bytes | IO[bytes], function: str | None = None,
         version: str | None = None, progress: bool = False, limits: Limits = DEFAULT_LIMITS) -> Tables:
    """Read every input (paths, folders, globs, ``-``, bytes, file-like objects) into Tables.

    ``function`` / ``version`` name them where the envelope does not (a console copy);
    ``limits`` bounds what one input may cost. Bad lines become ``tables.rejects``, never errors::

        >>> tables = logparse.load("logs/", "traces.json", function="orders-api")
        >>> tables.stats.lines == tables.stats.parsed + tables.stats.skipped + tables.stats.rejected
        True
    """
    from logparse.sources import load as load_inputs

    return load_inputs(*inputs, function=function, version=version, progress=progress, limits=limits)


def prices(region: str | None = None, arch: str | None = None, path: str | Path | None = None) -> Prices:
    """The unit prices of one region and architecture (default us-east-1 / x86_64, marked as
    assumed), from the bundled table, the ``prices --update`` cache or ``path``::

        >>> logparse.prices("us-east-1", "arm64").notes()
    """
    from logparse.pricetable import load_prices

    return load_prices(path).lookup(region, arch)


def summary(tables: Tables, prices: Prices | None = None) -> dict[str, Any]:
    """Per function/version counts, restore and init percentiles, billed restore time, costs, the
    option comparison and projection, re-patches and notes: what ``summary --json`` prints::

        >>> logparse.summary(logparse.load("sample_logs"))["functions"][0]["restore_ms"]["p99"]
    """
    from logparse import report
    from logparse.pricetable import load_prices

    return report.summary(tables, prices if prices is not None else load_prices().lookup())


def export_csvs(tables: Tables, out_dir: str | Path, *, bucket: str | None = None, prices: Prices | None = None,
                state: State | None = None) -> dict[str, int]:
    """Write the CSVs of ``python -m logparse export`` into ``out_dir`` (atomically, appending
    only rows not already there); returns the rows written per file::

        >>> logparse.export_csvs(logparse.load("sample_logs"), "csv/", bucket="1h")
        {'invocations': ..., 'inits': ..., 'restores': ..., 'spans': ..., 'rejects': ..., 'metrics': ..., 'costs': ...}
    """
    from logparse.export import run_export

    return run_export(tables, Path(out_dir), bucket=bucket, prices=prices, state=state)


def fetch(function: str, since: str = "24h", until: str | None = None, *, region: str | None = None,
          xray: bool = False) -> Tables:
    """A function's platform lines (and, with ``xray``, its traces) fetched live over ``[since,
    until)`` (relative like ``24h`` or ISO-8601; ``until`` defaults to now) and parsed as a saved
    file would be. Credentials come from the standard boto3 chain::

        >>> logparse.fetch("orders-api", since="6h", region="eu-west-1", xray=True).invocations
    """
    from logparse import aws
    from logparse.timeutil import window

    start, end = window(since, until)
    return aws.fetch_tables(function, start, end, session=aws.session(region=region), xray=xray)


def __getattr__(name: str) -> Any:
    """``logparse.Prices`` on first use: the price table module is not needed to load logs."""
    if name == "Prices":
        from logparse.pricetable import Prices

        return Prices
    raise AttributeError(f"module 'logparse' has no attribute {name!r}")
