"""The model: parameters, state arrays, random numbers, compiled kernels, the weekly
phases and their observation, the continuity ledger, the Mesa agents and
:class:`~sim.core.model.WorkforceModel`. The lowest layer: it imports no other part of
the package (only NumPy, Numba, pandas and Mesa)."""
