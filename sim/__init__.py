"""workforce-sim: an agent-based model of workforce turnover in human services.

``WorkforceModel`` is a ``mesa.Model`` of an agency whose workers are trained under
JIT-only, foundation-first or hybrid regimes; see README.md and docs/ODD.md.

Importing the package is light: ``WorkforceModel``, ``Worker`` and ``Client`` (which
need Mesa, Numba and pandas) are imported on first use (``from sim import
WorkforceModel`` works as usual), so ``workforce-sim --help`` and ``workforce-sim
params`` start without loading them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.core.params import PARAMS, REGIMES

if TYPE_CHECKING:
    from sim.core.agents import Client, Worker
    from sim.core.model import WorkforceModel

__version__ = "0.1.0"

__all__ = ["PARAMS", "REGIMES", "Client", "Worker", "WorkforceModel", "__version__"]

#: Names imported on first access, and the module each comes from.
_LAZY = {
    "WorkforceModel": "sim.core.model",
    "Client": "sim.core.agents",
    "Worker": "sim.core.agents",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
