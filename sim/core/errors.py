"""Errors that the command line reports as one clear line with exit status 2, and how a
user's value is shown in their messages (:func:`show`).

Every layer raises them (the parameter registry, scenario files and sweep specs, the
limits of a command, the command line), so they live in the lowest layer; the modules
that raise them import them from here (``from sim.core.params import ParameterError``
and the like keep working).
"""

from __future__ import annotations

import reprlib
from typing import Any


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class ParameterError(ValueError):
    """A parameter name, type or value that the registry does not allow."""


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message says where, what and what is allowed."""


class LimitError(ValueError):
    """A request beyond a limit of :mod:`sim.experiments.limits` (exit status 2)."""


#: Everything the CLI turns into ``workforce-sim: error: ...`` and exit status 2.
USER_ERRORS: tuple[type[Exception], ...] = (UsageError, ScenarioError, ParameterError, LimitError)

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 6
_REPR.maxlevel = 3


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, shortened when long (and safe for deep nesting)."""
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()  # a NumPy scalar: show it as the number it is
    text = _REPR.repr(value)
    if isinstance(value, str) and len(value) > limit:
        text += f" ({len(value)} characters)"
    return text


__all__ = ["USER_ERRORS", "LimitError", "ParameterError", "ScenarioError", "UsageError", "show"]
