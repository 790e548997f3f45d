"""Suite-wide isolation: no test reads or writes the developer's own price cache.

``prices --update`` writes to the user's cache folder, and ``cost.load_prices`` reads it; test
modules price things at import time, so the variable is set here, before they are imported.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="snaplens-test-cache-")
os.environ["SNAPLENS_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
