"""python -m simulation.app ...: the same as `jobpath app`."""

import sys

from .command import main

sys.exit(main())
