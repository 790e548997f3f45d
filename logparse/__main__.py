"""``python -m logparse``: see logparse.cli."""

import sys

from logparse.cli import main

sys.exit(main())
