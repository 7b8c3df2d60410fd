"""The weekly processes, one module each, run in this order by ``WorkforceModel.step``.

Each phase is a function ``run(model)`` over the NumPy state arrays
(:mod:`sim.state`); none loops over agents in Python. The order follows MODEL.md:
shocks, hiring, assignment, care, learning, burnout, separation, clients.
"""

from sim.phases import assignment, burnout, care, clients, hiring, learning, separation, shocks

ORDER = (shocks, hiring, assignment, care, learning, burnout, separation, clients)

__all__ = [
    "ORDER",
    "assignment",
    "burnout",
    "care",
    "clients",
    "hiring",
    "learning",
    "separation",
    "shocks",
]
