"""workforce-sim: an agent-based model of workforce turnover in human services.

``WorkforceModel`` is a ``mesa.Model`` of an agency whose workers are trained under
JIT-only, foundation-first or hybrid regimes; see README.md and docs/ODD.md.
"""

from sim.agents import Client, Worker
from sim.model import WorkforceModel
from sim.params import PARAMS, REGIMES

__version__ = "0.1.0"

__all__ = ["PARAMS", "REGIMES", "Client", "Worker", "WorkforceModel", "__version__"]
