"""``python -m sim`` is the twin of the ``workforce-sim`` command."""

import sys

from sim.cli import main

sys.exit(main())
