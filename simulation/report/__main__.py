"""python -m simulation.report RESULTS_DIR ...: the same as `jobpath report`."""

import sys

from .command import main

sys.exit(main())
