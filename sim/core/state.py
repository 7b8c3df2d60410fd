"""Numeric state of the model: NumPy arrays with one row per agent.

:class:`WorkerState` holds one row per worker *slot*. A slot is taken when a worker is
hired and freed when the worker leaves; rows are stable for a worker's whole career,
so a Mesa :class:`~sim.core.agents.Worker` handle simply remembers its row. Arrays grow by
doubling when every slot is taken (only ever at set-up: the weekly step never employs
more people than the agency has posts).

:class:`ClientState` holds one row per client place; the census is steady, so a
discharged client's row is taken over by the next admission.

Each state also offers its arrays as one named tuple (``.arrays``: ``W.alive``,
``C.primary``, ...), the form in which the compiled weekly phases (:mod:`sim.core.phases`)
read and write them. Nothing here has behaviour beyond allocation.
"""

from __future__ import annotations

from collections import namedtuple
from typing import ClassVar

import numpy as np

from sim.core.jit import kernel
from sim.core.outputs import indices

#: Weeks of care visits kept per client (the long continuity window, 12 months).
CONTACT_WINDOW = 52

#: The short continuity window (6 months), in weeks.
SHORT_WINDOW = 26

#: Most visits (or shifts) one client can have in a week: two a day.
VISITS_MAX = 14

#: Most backup workers in one client's team (besides the primary worker).
BACKUPS_MAX = 3

#: Contact ids at or above this value are temp agency staff (a new face each time).
#: Worker ids stay far below it; ids are stored as int32.
AGENCY_ID_BASE = 1 << 30
AGENCY_IDS = (1 << 31) - 1 - AGENCY_ID_BASE

# Provider kinds of a visit (``ClientState.vkind``) and of a client's week
# (``ClientState.kind``): the primary worker, float staff, a colleague in overtime, temp
# agency staff, nobody (a missed visit), a backup worker of the client's team.
PRIMARY, FLOAT, OVERTIME, AGENCY, NONE, TEAM = 0, 1, 2, 3, 4, 5

#: This week's costs, in order (``model.costs``; indices below).
COSTS = (
    "wages",
    "benefits",
    "overtime",
    "cover",
    "recruiting",
    "training",
    "modules",
    "onboarding",
)
WAGES, BENEFITS, OVERTIME_COST, COVER, RECRUITING, TRAINING, MODULES, ONBOARDING = range(len(COSTS))

#: Rolling 52-week ledgers (rows of ``model.ledgers``, one column per week % 52).
LEDGERS = (
    "separations",
    "under_3m",
    "under_6m",
    "under_12m",
    "cost",
    "care_hours",
)
SEPARATIONS, UNDER_3M, UNDER_6M, UNDER_12M, COST, CARE_HOURS = range(len(LEDGERS))

#: Running counters of ids handed out (``model.counters``).
AGENCY_COUNTER, NEXT_WORKER_ID, NEXT_PERSON = range(3)

#: The counts at the head of the weekly events buffer (``model.events``, filled by
#: :func:`sim.core.phases.run_week`), by name: ``events[EVENT.quits]``. The rows of the
#: week's hires, of its leavers and of the client places waiting for an admission
#: follow them, in that order, from ``events[len(EVENT)]`` on.
EVENT = indices(("hires", "leavers", "quits", "dismissals", "pending"), "Event")


class WorkerState:
    """Per-worker arrays (rows are slots; ``alive`` marks the taken ones)."""

    FIELDS_1D: ClassVar[dict[str, type]] = {
        "alive": bool,
        "is_float": bool,
        "wid": np.int64,  # worker id (``Worker.worker_id``); the contact id in histories
        "hire_week": np.int64,  # model week (warm-up included) of hire
        "start_week": np.int64,  # model week of the first shift
        "reported": bool,  # hired after warm-up (enters the survival curve)
        "awareness": float,  # chance of recognising a gap when meeting it
        "selfcare": float,  # self-care and boundaries, 0-1
        "exhaustion": float,  # burnout, 0-1
        "sensitivity": float,  # individual multiplier on strain (heterogeneity)
        "realism": float,  # 0-1: share of the reality shock removed by training
        "module_chance": float,  # weekly chance a recognised gap is learned by a module
        "detection": float,  # per-hour chance this worker's mentor spots an unseen gap
        "mentoring_hours": float,  # weekly mentoring hours while in mentoring window
        "refresher_hours": float,  # yearly refresher hours (regime at hire)
        "regime_code": np.int8,  # 0 = status quo at warm-up, 1 = regime under study
        "caseload": np.int64,  # clients naming this worker as primary
        "backups": np.int64,  # clients naming this worker as a backup (team member)
        "absent": bool,  # absent this week
        "hours": float,  # direct-care hours this week
        "overtime_hours": float,  # cover hours beyond own caseload this week
        "gap": float,  # hours-weighted skill gap met this week
        "unseen": float,  # the part of ``gap`` in domains where it is not recognised
        "found": np.int64,  # unrecognised gaps revealed by an incident this week
        "study_hours": float,  # in-service training hours this week
        "incidents": np.int64,  # incidents this week
        "module_hours": float,  # module hours this week
        "mentored": float,  # mentoring hours received this week
        "relationship": float,  # mean relationship maturity with own clients, 0-1
    }
    #: 2-D fields, one column per need domain: competence (0-1), care hours this week,
    #: and whether the worker has recognised a gap there (1) or not (0).
    FIELDS_2D: ClassVar[tuple[str, ...]] = ("competence", "use", "known")

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
        for name in self.FIELDS_2D:
            new = np.zeros((cap, self.n_domains))
            if old:
                new[:old] = getattr(self, name)
            setattr(self, name, new)
        self.capacity = cap
        self.arrays = WorkerArrays(*(getattr(self, n) for n in WorkerArrays._fields))

    def ensure_free(self, k: int) -> None:
        """Grow the arrays so that at least ``k`` slots are free."""
        free = self.capacity - int(np.count_nonzero(self.alive))
        if free < k:
            self._alloc(max(2 * self.capacity, self.capacity + k - free))


WorkerArrays = namedtuple(  # type: ignore[misc]
    "WorkerArrays", [*WorkerState.FIELDS_1D, *WorkerState.FIELDS_2D]
)


@kernel
def mean_competence(competence, i):  # pragma: no cover (compiled)
    """Mean competence of worker row ``i`` over the need domains."""
    total = competence[i, 0]
    for k in range(1, competence.shape[1]):
        total += competence[i, k]
    return total / competence.shape[1]


class ClientState:
    """Per-client arrays, one row per place in the (steady) census."""

    def __init__(self, n: int, n_domains: int) -> None:
        self.n = n
        self.person = np.zeros(n, dtype=np.int64)  # id of the person now in this place
        self.share = np.zeros((n, n_domains))  # share of need in each domain (rows sum to 1)
        self.acuity = np.ones(n)  # need intensity (mean 1)
        self.hours_factor = np.ones(n)  # weekly hours beyond acuity (mean 1)
        self.phours = np.zeros(n)  # hours a week the primary worker gives in a usual week
        self.team_want = np.zeros(n, dtype=np.int64)  # backups the usual schedule needs
        self.crisis_left = np.zeros(n, dtype=np.int64)  # weeks of crisis remaining
        self.escalation = np.zeros(n)  # extra need from broken-down care
        self.primary = np.full(n, -1, dtype=np.int64)  # worker row, or -1
        self.primary_since = np.zeros(n, dtype=np.int64)  # week the current primary began
        self.relationship_weeks = np.zeros(n)  # weeks of care from the current primary
        self.wellbeing = np.full(n, 0.6)
        self.admit_week = np.zeros(n, dtype=np.int64)
        self.backup = np.full((n, BACKUPS_MAX), -1, dtype=np.int64)  # team: worker rows, or -1
        # this week's care
        self.kind = np.full(n, NONE, dtype=np.int8)  # PRIMARY if the primary made a visit, ...
        self.provider = np.full(n, -1, dtype=np.int64)  # worker row giving care, or -1
        self.visits = np.zeros(n, dtype=np.int64)  # visits scheduled this week
        self.vkind = np.full((n, VISITS_MAX), NONE, dtype=np.int8)  # each visit's provider kind
        self.vprov = np.full((n, VISITS_MAX), -1, dtype=np.int32)  # ... and worker row, or -1
        # the week's visits as the continuity ledger keeps them: runs of visits by one
        # worker (or missed), packed (sim.core.continuity.pack_run), every client's
        # after the previous one's: where each client's start and how many
        self.vruns = np.zeros(n * VISITS_MAX, dtype=np.int64)
        self.vrun_at = np.zeros(n, dtype=np.int64)
        self.nvruns = np.zeros(n, dtype=np.int64)
        self.missed = np.zeros(n, dtype=np.int64)  # visits nobody made this week
        self.by_primary = np.zeros(n, dtype=np.int64)  # visits made by the primary worker
        self.covered = np.zeros(n, dtype=np.int64)  # visits by float, overtime or agency staff
        self.hours = np.zeros(n)  # hours of need this week
        self.gap = np.zeros(n)  # skill gap of the care given
        self.quality = np.zeros(n)
        self.incident = np.zeros(n, dtype=bool)
        self.lost_primary = np.zeros(n, dtype=bool)  # primary left this week
        self.arrays = ClientArrays(*(getattr(self, f) for f in ClientArrays._fields))


ClientArrays = namedtuple(  # type: ignore[misc]
    "ClientArrays",
    [
        "person",
        "share",
        "acuity",
        "hours_factor",
        "phours",
        "team_want",
        "crisis_left",
        "escalation",
        "primary",
        "primary_since",
        "relationship_weeks",
        "wellbeing",
        "admit_week",
        "backup",
        "kind",
        "provider",
        "visits",
        "vkind",
        "vprov",
        "vruns",
        "vrun_at",
        "nvruns",
        "missed",
        "by_primary",
        "covered",
        "hours",
        "gap",
        "quality",
        "incident",
        "lost_primary",
    ],
)
