"""Mesa agents: the handles users and the dashboard see.

A :class:`Worker` or :class:`Client` holds only its row in the model's state arrays
(:mod:`sim.core.state`); every attribute is read from those arrays, so the agents always
agree with the compiled weekly step and cost nothing to keep up to date.

An agent's ``model`` is a :class:`sim.core.model.WorkforceModel`, annotated as the
``mesa.Model`` it is: importing it here, even for type checking only, would make an
import cycle (the model imports this module).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.state import CONTACT_WINDOW, SHORT_WINDOW


class Worker(mesa.Agent):
    """A front-line worker (or float-pool cover worker)."""

    model: mesa.Model

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def _s(self):
        return self.model.workers

    @property
    def status(self) -> str:
        """``"training"`` before the first shift, ``"floor"`` after, ``"gone"`` once left."""
        if self.model.workers_handle(self.row) is not self:
            return "gone"
        return "training" if self._s.start_week[self.row] > self.model.t else "floor"

    @property
    def worker_id(self) -> int:
        """This worker's id in clients' contact histories (``Client.contacts``).

        Worker ids count hires from 0; they are not Mesa's ``unique_id`` (which counts
        every agent, clients too).
        """
        return int(self._s.wid[self.row])

    @property
    def is_float(self) -> bool:
        return bool(self._s.is_float[self.row])

    @property
    def tenure_weeks(self) -> int:
        return int(self.model.t - self._s.hire_week[self.row])

    @property
    def competence(self) -> np.ndarray:
        """Competence in each need domain (0-1)."""
        return self._s.competence[self.row].copy()

    @property
    def gap_awareness(self) -> float:
        return float(self._s.awareness[self.row])

    @property
    def selfcare(self) -> float:
        return float(self._s.selfcare[self.row])

    @property
    def exhaustion(self) -> float:
        return float(self._s.exhaustion[self.row])

    @property
    def caseload(self) -> int:
        return int(self._s.caseload[self.row])

    @property
    def regime(self) -> str:
        """Regime this worker was hired under."""
        return self.model.regime if self._s.regime_code[self.row] else "status quo (jit)"

    def clients(self) -> list[Client]:
        """Clients naming this worker as their primary worker."""
        rows = np.flatnonzero(self.model.clients.primary == self.row)
        return [self.model.client_handle(r) for r in rows]


class Client(mesa.Agent):
    """A place in the agency's (steady) census and the person receiving support in it.

    When a client is discharged, the next admission takes over the place, so the agent
    lives for the whole run; ``person_id`` identifies the person in it now, and every
    per-person attribute (need, wellbeing, history) starts afresh at admission.
    """

    model: mesa.Model

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def _s(self):
        return self.model.clients

    @property
    def person_id(self) -> int:
        """Id of the person now in this place (a new id at each admission)."""
        return int(self._s.person[self.row])

    @property
    def need(self) -> np.ndarray:
        """Need intensity in each domain (acuity times domain shares)."""
        return self._s.acuity[self.row] * self._s.share[self.row]

    @property
    def in_crisis(self) -> bool:
        return bool(self._s.crisis_left[self.row] > 0)

    @property
    def primary_worker(self) -> Worker | None:
        r = int(self._s.primary[self.row])
        return None if r < 0 else self.model.workers_handle(r)

    @property
    def relationship_weeks(self) -> int:
        return int(self._s.relationship_weeks[self.row])

    @property
    def wellbeing(self) -> float:
        return float(self._s.wellbeing[self.row])

    @property
    def contacts(self) -> np.ndarray:
        """Worker ids (``Worker.worker_id``) of those who made this client's visits in the
        last 52 weeks, oldest first, ``VISITS_MAX`` places a week (-1 = no visit or a
        missed one; ids from 2**30 on are temp agency staff)."""
        return self.model.contact_history()[self.row]

    @property
    def visits_this_week(self) -> np.ndarray:
        """Worker ids of this week's visits in order (-1 = missed), one per scheduled
        visit."""
        n = int(self._s.visits[self.row])
        return self.model.continuity.visits_in(self.model.t, self.row)[:n]

    @property
    def team(self) -> list[Worker]:
        """The client's backup workers (besides the primary worker)."""
        rows = self._s.backup[self.row]
        return [self.model.workers_handle(int(r)) for r in rows if r >= 0]

    @property
    def continuity(self) -> dict[str, float]:
        """This client's continuity indices over the last 26 and 52 weeks' visits
        (``coc_6m``, ``coc``, ``upc``, ``secon``, ``distinct_workers``, ...; NaN where
        undefined)."""
        out: dict[str, float] = {}
        for window, suffix in ((CONTACT_WINDOW, ""), (SHORT_WINDOW, "_6m")):
            ix = self.model.continuity.indices(np.array([self.row]), window=window)
            for key, name in (
                ("coc", "coc"),
                ("upc", "upc"),
                ("secon", "secon"),
                ("distinct", "distinct_workers"),
                ("n", "visits"),
                ("missed", "missed_visits"),
            ):
                out[name + suffix] = float(ix[key][0])
        return out
