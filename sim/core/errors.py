"""Errors that the command line reports as one clear line with exit status 2."""

from __future__ import annotations

from sim.core.params import ParameterError
from sim.experiments.limits import LimitError
from sim.experiments.scenario import ScenarioError


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


#: Everything the CLI turns into ``workforce-sim: error: ...`` and exit status 2.
USER_ERRORS: tuple[type[Exception], ...] = (UsageError, ScenarioError, ParameterError,
                                             LimitError)

__all__ = ["USER_ERRORS", "LimitError", "ParameterError", "ScenarioError", "UsageError"]
