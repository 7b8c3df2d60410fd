"""Compiled kernels: one place that configures Numba for every weekly phase.

The weekly phases keep their state in NumPy arrays (:mod:`sim.state`). A phase's
arithmetic over those arrays is a small function compiled with :func:`kernel`, a loop
over rows that Numba turns into machine code, so a week costs microseconds per phase
instead of one NumPy call per operation (which dominates for agencies of a few hundred
people). Random numbers are always drawn in Python from the model's
``numpy.random.Generator`` and passed in, so a run depends only on its seed.

Compiled code is cached on disk next to the sources (``__pycache__``), so only the
first import on a machine pays the compilation (``make`` warms the cache at install).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba

__all__ = ["kernel"]


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, with NumPy's error semantics."""
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
