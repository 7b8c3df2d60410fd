"""The continuity indices and survival estimator under their former module name
(:mod:`sim.analysis.metrics`, where they live): ``sim.metrics.coc``, ``upc``, ``secon``
and the rest keep working."""

from sim.analysis.metrics import *  # noqa: F403
from sim.analysis.metrics import __all__  # noqa: F401
