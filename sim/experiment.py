"""The sweep engine under its former name: :func:`sweep` and :func:`load` (and the rest of
:mod:`sim.experiments.experiment`, where they live). Kept so that ``sim.experiment.sweep``
and ``sim.experiment.load``, as the README and earlier code use them, keep working."""

from sim.experiments.experiment import *  # noqa: F403
from sim.experiments.experiment import __all__  # noqa: F401
