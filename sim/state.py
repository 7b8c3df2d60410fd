"""Numeric state of the model: NumPy arrays with one row per agent.

:class:`WorkerState` holds one row per worker *slot*. A slot is taken when a worker is
hired and freed when the worker leaves; rows are stable for a worker's whole career,
so a Mesa :class:`~sim.agents.Worker` handle simply remembers its row. Arrays grow by
doubling when every slot is taken.

:class:`ClientState` holds one row per client place; the census is steady, so a
discharged client's row is taken over by the next admission.

Nothing here has behaviour beyond allocation; the weekly phases in :mod:`sim.phases`
read and write these arrays.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

#: Weeks of care contacts kept per client (the continuity window).
CONTACT_WINDOW = 52

#: Contact ids at or above this value are temp agency staff (a new face each time).
#: Ids are stored as int32: Mesa ids of workers stay far below it.
AGENCY_ID_BASE = 1 << 30
AGENCY_IDS = (1 << 31) - 1 - AGENCY_ID_BASE

# Provider kinds for a client-week (``ClientState.kind``).
PRIMARY, FLOAT, OVERTIME, AGENCY, NONE = 0, 1, 2, 3, 4


class WorkerState:
    """Per-worker arrays (rows are slots; ``alive`` marks the taken ones)."""

    FIELDS_1D: ClassVar[dict[str, type]] = {
        "alive": bool,
        "is_float": bool,
        "wid": np.int64,  # Mesa unique_id of the worker's agent
        "hire_week": np.int64,  # model week (warm-up included) of hire
        "start_week": np.int64,  # model week of the first shift
        "reported": bool,  # hired after warm-up (enters the survival curve)
        "awareness": float,  # chance of recognising a gap when meeting it
        "selfcare": float,  # self-care and boundaries, 0-1
        "exhaustion": float,  # burnout, 0-1
        "sensitivity": float,  # individual multiplier on strain (heterogeneity)
        "realism": float,  # 0-1: share of the reality shock removed by training
        "modules": bool,  # on-demand modules available to this worker (regime at hire)
        "mentoring_hours": float,  # weekly mentoring hours while in mentoring window
        "refresher_hours": float,  # yearly refresher hours (regime at hire)
        "regime_code": np.int8,  # 0 = status quo at warm-up, 1 = regime under study
        "caseload": np.int64,  # clients naming this worker as primary
        "absent": bool,  # absent this week
        "hours": float,  # direct-care hours this week
        "overtime_hours": float,  # cover hours beyond own caseload this week
        "gap": float,  # hours-weighted skill gap met this week
        "incidents": np.int64,  # incidents this week
        "module_hours": float,  # module hours this week
        "mentored": float,  # mentoring hours received this week
        "relationship": float,  # mean relationship maturity with own clients, 0-1
    }

    def __init__(self, capacity: int, n_domains: int) -> None:
        self.n_domains = n_domains
        self._alloc(max(int(capacity), 8))

    def _alloc(self, cap: int) -> None:
        old = getattr(self, "capacity", 0)
        for name, dtype in self.FIELDS_1D.items():
            new = np.zeros(cap, dtype=dtype)
            if old:
                new[:old] = getattr(self, name)
            setattr(self, name, new)
        comp = np.zeros((cap, self.n_domains))
        use = np.zeros((cap, self.n_domains))
        if old:
            comp[:old] = self.competence
            use[:old] = self.use
        self.competence = comp  # competence per need domain, 0-1
        self.use = use  # hours per domain this week
        self.capacity = cap
        self._arrays = [getattr(self, name) for name in self.FIELDS_1D] + [comp, use]

    def mean_competence(self, rows: np.ndarray) -> np.ndarray:
        """Mean competence over need domains of workers ``rows``.

        Equal to ``competence[rows].mean(axis=1)``, summed column by column, which is
        several times faster on a (workers, few domains) array.
        """
        comp = np.take(self.competence, rows, axis=0)
        total = comp[:, 0].copy()
        for k in range(1, self.n_domains):  # a loop over domains, not agents
            total += comp[:, k]
        return total / self.n_domains

    def take_slots(self, k: int) -> np.ndarray:
        """Rows for ``k`` new workers (grows the arrays if needed); marks them alive."""
        free = np.flatnonzero(~self.alive)
        if free.size < k:
            self._alloc(max(2 * self.capacity, self.capacity + k))
            free = np.flatnonzero(~self.alive)
        rows = free[:k]
        at = int(rows[0]) if k == 1 else rows  # a scalar index is much faster for one hire
        for array in self._arrays:  # a loop over fields, not agents
            array[at] = 0
        self.alive[at] = True
        return rows


class ClientState:
    """Per-client arrays, one row per place in the (steady) census."""

    def __init__(self, n: int, n_domains: int) -> None:
        self.n = n
        self.person = np.zeros(n, dtype=np.int64)  # id of the person now in this place
        self.share = np.zeros((n, n_domains))  # share of need in each domain (rows sum to 1)
        self.acuity = np.ones(n)  # need intensity (mean 1)
        self.crisis_left = np.zeros(n, dtype=np.int64)  # weeks of crisis remaining
        self.escalation = np.zeros(n)  # extra need from broken-down care
        self.primary = np.full(n, -1, dtype=np.int64)  # worker row, or -1
        self.primary_since = np.zeros(n, dtype=np.int64)  # week the current primary began
        self.relationship_weeks = np.zeros(n)  # weeks of care from the current primary
        self.wellbeing = np.full(n, 0.6)
        self.admit_week = np.zeros(n, dtype=np.int64)
        # this week's care
        self.kind = np.full(n, NONE, dtype=np.int8)
        self.provider = np.full(n, -1, dtype=np.int64)  # worker row giving care, or -1
        self.hours = np.zeros(n)  # hours of need this week
        self.gap = np.zeros(n)  # skill gap of the care given
        self.quality = np.zeros(n)
        self.incident = np.zeros(n, dtype=bool)
        self.lost_primary = np.zeros(n, dtype=bool)  # primary left this week
