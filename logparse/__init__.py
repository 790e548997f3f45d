"""SnapLens: AWS Lambda SnapStart observability from CloudWatch logs and X-Ray traces.

``load(...)`` turns any supported input into typed tables; everything else builds on them.
"""

from logparse.reading import Limits
from logparse.tables import SCHEMAS, Stats, Tables

__all__ = ["SCHEMAS", "Limits", "Stats", "Tables", "load"]
__version__ = "0.1.0"


def load(*inputs, **options) -> Tables:
    """Read every input (paths, folders, globs, ``-``, bytes, file-like objects) into Tables.

    See :func:`logparse.sources.load` for the options.
    """
    from logparse.sources import load as _load

    return _load(*inputs, **options)
