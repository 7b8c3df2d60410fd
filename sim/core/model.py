"""The agency: :class:`WorkforceModel`, a ``mesa.Model`` stepping one week at a time."""

from __future__ import annotations

import copy
import inspect
import itertools
import numbers
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.core import params as registry
from sim.core import phases
from sim.core.agents import Client, Worker
from sim.core.continuity import ContinuityLedger, record_runs
from sim.core.draws import UniformPool
from sim.core.observe import as_metrics, measure
from sim.core.outputs import METRICS, SLOT
from sim.core.phases import clients, hiring
from sim.core.state import (
    CONTACT_WINDOW,
    COSTS,
    EVENT,
    LEDGERS,
    VISITS_MAX,
    ClientState,
    WorkerState,
)

__all__ = ["WARMUP_CACHE_SIZE", "WorkforceModel", "clear_warmup_cache"]

#: How many settled warm-up states a process keeps (least recently used dropped first).
WARMUP_CACHE_SIZE = 8

#: Settled states after the warm-up, by :func:`_warmup_key`.
_WARMUPS: OrderedDict[tuple, dict[str, Any]] = OrderedDict()

#: An agency with at least this many client places records each week's visits in the
#: continuity ledger in a second thread while the week's care, learning, burnout,
#: separation and discharges run (:func:`sim.core.phases.run_week`): the two touch no
#: common array, so the results are the same, and a large agency's week takes about a
#: quarter less time on two cores. Below it, handing the work to a thread costs more
#: than it saves.
LEDGER_THREAD_CLIENTS = 2_000

#: Ranges of clients the ledger is recorded in on two threads: the helper thread takes
#: them from the start of care on, and this thread too once care and the rest of its part
#: are done (:class:`_LedgerChunks`).
LEDGER_CHUNKS = 16

_LEDGER_THREAD: tuple[int, ThreadPoolExecutor] | None = None


def _ledger_thread() -> ThreadPoolExecutor:
    """The process's one helper thread for the continuity ledger (a new one in a forked
    child, where the parent's thread does not exist). Idle between weeks; models in
    several threads share it, one week's ledger at a time."""
    global _LEDGER_THREAD
    if _LEDGER_THREAD is None or _LEDGER_THREAD[0] != os.getpid():
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workforce-sim ledger")
        _LEDGER_THREAD = (os.getpid(), pool)
    return _LEDGER_THREAD[1]


class _LedgerChunks:
    """A week's continuity ledger in :data:`LEDGER_CHUNKS` ranges of clients: each thread
    that calls :meth:`record` records ranges until none is left. A client's ledger rows
    are their own (:func:`sim.core.continuity.record_runs`), so which thread takes which
    range changes nothing."""

    def __init__(self, model: WorkforceModel) -> None:
        c = model.clients
        self._args = (model.continuity.arrays, model.t, c.vruns, c.vrun_at, c.nvruns, c.visits)
        self._bounds = np.linspace(0, c.n, LEDGER_CHUNKS + 1).astype(np.int64).tolist()
        self._next = itertools.count()  # (taking the next number is atomic under the GIL)

    def record(self) -> None:
        while (i := next(self._next)) < LEDGER_CHUNKS:
            record_runs(*self._args, self._bounds[i], self._bounds[i + 1])


#: Parameters the warm-up never reads: the regime's (warm-up hires follow the status
#: quo), the shock's and the in-service programme's (reported weeks only), and output
#: controls.
_NOT_IN_WARMUP = frozenset(
    (
        *registry.REGIME_PARAMS,
        *(n for n, q in registry.PARAMS.items() if q.group in ("shocks", "inservice")),
        "agent_record_every",
    )
)


def _warmup_key(rng: Any, setting: str, resolved: dict[str, Any]) -> tuple | None:
    """What the warm-up's result depends on: the integer seed, the setting (its status
    quo) and every parameter the warm-up reads; ``None`` (no caching) unless the seed is
    a plain integer."""
    if not isinstance(rng, int) or isinstance(rng, bool):
        return None
    return (rng, setting, *((k, v) for k, v in resolved.items() if k not in _NOT_IN_WARMUP))


def clear_warmup_cache() -> None:
    """Forget every settled warm-up state of this process."""
    _WARMUPS.clear()


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector, with one model reporter per measure of :data:`METRICS`.

    ``collect`` keeps a copy of the model's buffer of measures (one array a week) and
    ``model_vars`` turns the weeks kept so far into Mesa's lists (a column per measure)
    when it is read: Mesa's generic path calls each reporter and deep-copies its value,
    which for dozens of floats costs more than the weekly step of a small agency.
    Reporters added later take the generic path.
    """

    def __init__(self) -> None:
        self._pending: list[np.ndarray] = []  # weeks collected, not yet in model_vars
        super().__init__(model_reporters={k: (lambda m, k=k: m.metrics[k]) for k in METRICS})
        self._own = dict(self.model_reporters)

    @property
    def model_vars(self) -> dict[str, list]:
        if self._pending:
            columns = np.array(self._pending).T.tolist()
            self._pending = []
            for values, more in zip(self._model_vars.values(), columns, strict=False):
                values.extend(more)
        return self._model_vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._model_vars = value

    def collect(self, model: mesa.Model) -> None:
        if self.model_reporters != self._own or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        self._pending.append(model._measure_values.copy())


class WorkforceModel(mesa.Model):
    """An agency of workers and clients; one :meth:`step` is one week.

    Parameters
    ----------
    regime
        Training regime for new hires from week 1 on: ``"jit"``, ``"foundation"`` or
        ``"hybrid"`` (presets over the ``training`` parameters, which may also be
        overridden one by one).
    setting
        Kind of service: ``"dsp"`` (disability support, the registry defaults) or
        ``"home_care"`` (presets over the other parameters; ``sim.core.params.SETTINGS``).
        Parameters resolve as registry defaults, then the setting, then the regime,
        then ``**params``.
    rng
        Seed or ``numpy.random.Generator`` (Mesa convention).
    horizon_weeks
        Reported weeks to simulate, or ``None`` (the default) to run until stopped.
        With a horizon, ``model.running`` turns ``False`` after that many calls to
        :meth:`step`, so Mesa's ``model.run_model()`` (and ``mesa.batch_run`` with a
        larger ``max_steps``) ends there; further calls to :meth:`step` still simulate
        further weeks.
    **params
        Any parameter of the registry (``workforce-sim params`` lists them). The
        keyword defaults shown in the signature are the registry's (``dsp``); under
        another setting its preset replaces them.

    The model first simulates ``warmup_weeks`` under the status quo (``jit``) from a
    mixed-tenure workforce; those weeks are not reported. The warm-up does not depend on
    the regime, so with an integer seed its settled state is kept (a few per process,
    :data:`WARMUP_CACHE_SIZE`) and a model with the same seed and the same non-regime
    parameters continues from a copy of it: the regimes of a comparison share one
    warm-up, with results identical to running it again. ``model.t`` is the week
    number: negative during warm-up, 0 at the first reported state, ``model.steps``
    after each call to :meth:`step`.
    """

    def __init__(
        self,
        regime: str = "jit",
        *,
        setting: str = "dsp",
        rng: Any = None,
        horizon_weeks: int | None = None,
        **params: Any,
    ) -> None:
        if isinstance(rng, np.integer):  # e.g. from np.arange: Mesa seeds random.Random,
            rng = int(rng)  # which takes Python ints only
        super().__init__(rng=rng)
        self.horizon_weeks = _check_horizon(horizon_weeks)
        resolved = registry.resolve(regime, setting=setting, **params)
        self.regime = regime
        self.setting = setting
        #: The resolved parameters (plain Python values), and the same values as a
        #: one-element record array, as compiled code reads them.
        self.params: dict[str, Any] = resolved
        self.params_record = registry.as_record(resolved)
        p = resolved
        status_quo = registry.resolve("jit", setting=setting)
        self.hire_policy = registry.as_record(status_quo, registry.REGIME_PARAMS)

        posts = p["n_workers"] + p["float_pool"]
        self.draws = UniformPool(self.rng)
        # the spells of leavers hired in reported weeks: hire weeks and exit weeks
        self._spells: tuple[list[int], list[int]] = ([], [])
        self.agent_records: list[pd.DataFrame] = []
        key = _warmup_key(rng, setting, p)
        settled = _WARMUPS.get(key) if key is not None else None
        if settled is not None:
            _WARMUPS.move_to_end(key)
            self._restore(settled)
        else:
            self.workers = WorkerState(int(1.3 * posts) + 8, p["n_domains"])
            self.clients = ClientState(p["n_clients"], p["n_domains"])
            self.continuity = ContinuityLedger(p["n_clients"], VISITS_MAX)
            # plain lists, not NumPy object arrays: agents refer back to the model, and
            # the garbage collector cannot see through an object array, so a model
            # whose agents sat in one would never be freed
            self._worker_handles: list[Worker | None] = [None] * self.workers.capacity
            self._client_handles: list[Client | None] = [None] * p["n_clients"]
            self.counters = np.zeros(3, dtype=np.int64)  # agency ids, worker ids, person ids
            self.costs = np.zeros(len(COSTS))  # this week's, in the order of state.COSTS
            self.ledgers = np.zeros((len(LEDGERS), CONTACT_WINDOW))  # rolling 52 weeks

            self.t = -p["warmup_weeks"]
            self._initial_population()
            self._week_draws = phases.week_draws(
                self.workers.capacity, p["n_clients"], posts, p["n_domains"]
            )
            # the week's event counts (by the names of sim.core.state.EVENT), then rows
            self.events = np.zeros(
                phases.events_size(self.workers.capacity, p["n_clients"], posts), dtype=np.int64
            )
            self._measure_values = np.zeros(len(SLOT))  # one slot per measure
            self._bind()
            for _ in range(p["warmup_weeks"]):
                self._advance()
            if key is not None:
                _WARMUPS[key] = self._snapshot()
                while len(_WARMUPS) > WARMUP_CACHE_SIZE:
                    _WARMUPS.popitem(last=False)
        self.hire_policy = registry.as_record(resolved, registry.REGIME_PARAMS)
        self._bind()

        self._measure()  # this state's measures
        self._metrics: tuple[int, dict[str, float]] | None = None
        self.datacollector = MetricsCollector()
        self.datacollector.collect(self)
        self._record_agents()
        self.running = self.horizon_weeks is None or self.t < self.horizon_weeks

    # -- the settled state after the warm-up (shared by runs that differ in regime) -----
    _SETTLED = ("workers", "clients", "continuity", "counters", "costs", "ledgers", "events")

    def _snapshot(self) -> dict[str, Any]:
        """A copy of everything the warm-up produced (numeric state, the uniform pool and
        the generator's position); :meth:`_restore` makes a model continue from it
        exactly as this one does."""
        snap = copy.deepcopy({k: getattr(self, k) for k in self._SETTLED})
        snap |= {
            "t": self.t,
            "week_draws": self._week_draws,
            "measure_values": self._measure_values.copy(),
            "buffer": self.draws.buffer.copy(),
            "pos": self.draws.pos.copy(),
            "rng": copy.deepcopy(self.rng.bit_generator.state),
        }
        return snap

    def _restore(self, snap: dict[str, Any]) -> None:
        """Continue from a settled state (:meth:`_snapshot`): the same arrays, pool and
        generator position, and a Mesa handle for every employed worker and client."""
        for k, v in copy.deepcopy({k: snap[k] for k in self._SETTLED}).items():
            setattr(self, k, v)
        self.t = snap["t"]
        self._week_draws = snap["week_draws"]
        self._measure_values = snap["measure_values"].copy()
        self.draws.buffer = snap["buffer"].copy()
        self.draws.pos = snap["pos"].copy()
        self.rng.bit_generator.state = copy.deepcopy(snap["rng"])
        self._worker_handles = [None] * self.workers.capacity
        self._add_worker_handles(np.flatnonzero(self.workers.alive))
        self._client_handles = [Client(self, r) for r in range(self.params["n_clients"])]
        self._bind()

    # -- set-up ----------------------------------------------------------------------
    def _initial_population(self) -> None:
        """A plausible status-quo workforce: mixed tenure, competence grown with it."""
        p, rng, w = self.params, self.rng, self.workers
        n_reg = round(0.9 * p["n_workers"])
        for n, is_float in ((n_reg, False), (p["float_pool"], True)):
            if n == 0:
                continue
            tenure = rng.exponential(180.0, n).astype(np.int64)
            w.ensure_free(n)
            self.draws.ensure(n * hiring.hire_draws(p["n_domains"]))
            rows = hiring.hire(
                w.arrays,
                self.params_record[0],
                self.hire_policy[0],
                self.draws.buffer,
                self.draws.pos,
                self.counters,
                self.costs,
                self.t,
                n,
                is_float,
                tenure,
            )
            self._add_worker_handles(rows)
            grow = 1 - np.exp(-p["experience_rate"] * tenure)
            w.competence[rows] += (1 - w.competence[rows]) * grow[:, None]
            aware_grow = 1 - np.exp(-p["awareness_growth"] * tenure)
            w.awareness[rows] += (1 - w.awareness[rows]) * aware_grow
            # each remaining gap recognised with the worker's awareness
            gaps = w.competence[rows] < p["competence_required"]
            seen = rng.random(gaps.shape) < w.awareness[rows][:, None]
            w.known[rows] = (gaps & seen).astype(float)
            w.exhaustion[rows] = np.clip(rng.normal(0.4, 0.15, n), 0, 1)
        places = np.arange(p["n_clients"])
        self._admit(places)
        self._client_handles = [Client(self, r) for r in places.tolist()]
        self.clients.admit_week[:] = self.t - rng.integers(0, 260, p["n_clients"])

    # -- the weekly step -------------------------------------------------------------
    def _advance(self) -> None:
        """One week: every phase in one compiled call (:func:`sim.core.phases.week`; on two
        threads for a large agency: :meth:`_advance_on_two_threads`), then the Mesa
        handles of this week's hires and leavers, and new admissions."""
        self.t += 1
        self.draws.ensure(self._week_draws)
        ev = self.events
        k = len(EVENT)  # then the rows of the hires, the leavers, places to admit to
        if self.clients.n >= LEDGER_THREAD_CLIENTS:
            self._advance_on_two_threads()
        else:
            self._week(phases.WHOLE_WEEK)
            n_hired, n_left = int(ev[EVENT.hires]), int(ev[EVENT.leavers])
            if n_hired:
                self._add_worker_handles(ev[k : k + n_hired])
            if n_left:
                self._remove_worker_handles(ev[k + n_hired : k + n_hired + n_left])
        n_pending = int(ev[EVENT.pending])
        if n_pending:  # the pool ran short for admissions: refill, admit, measure again
            start = k + int(ev[EVENT.hires]) + int(ev[EVENT.leavers])
            self._admit(ev[start : start + n_pending].copy())
            self._measure()

    def _advance_on_two_threads(self) -> None:
        """A large agency's week (:data:`LEDGER_THREAD_CLIENTS`) on this thread and the
        helper thread, with the same result as the one call of a small agency's:

        1. staffing (``VISITS_PART``), here;
        2. care, learning, burnout, separation and discharges (``CARE_PART``) here, while
           the helper makes the hires' Mesa handles and records the continuity ledger in
           ranges of clients (:class:`_LedgerChunks`), which this thread takes too once
           done (the ledger's arrays are touched by nothing else then);
        3. admissions and measures (``CLOSE_PART``) here, while the helper removes the
           leavers' handles (Python objects only).

        Compiled code releases the GIL, so the helper's Python runs beside it.
        """
        ev = self.events
        k = len(EVENT)
        helper = _ledger_thread()
        self._week(phases.VISITS_PART)
        hires = ev[k : k + int(ev[EVENT.hires])].copy()
        ledger = _LedgerChunks(self)
        side = helper.submit(self._hires_then_ledger, hires, ledger)
        try:
            self._week(phases.CARE_PART)
            ledger.record()
        finally:
            side.result()
        leavers = ev[k + hires.size : k + hires.size + int(ev[EVENT.leavers])].copy()
        side = helper.submit(self._remove_worker_handles, leavers) if leavers.size else None
        try:
            self._week(phases.CLOSE_PART)
        finally:
            if side is not None:
                side.result()

    def _hires_then_ledger(self, hires: np.ndarray, ledger: _LedgerChunks) -> None:
        """The helper's share of step 2 of :meth:`_advance_on_two_threads`."""
        if hires.size:
            self._add_worker_handles(hires)
        ledger.record()

    def _measure(self) -> None:
        """This week's measures into their buffer (:func:`sim.core.observe.measure`)."""
        measure(
            self.workers.arrays,
            self.clients.arrays,
            self.continuity.arrays,
            self.params_record[0],
            self.costs,
            self.ledgers,
            self.events,
            self.t,
            self._measure_values,
        )

    def _week(self, part: int) -> None:
        """This week's ``part`` (:func:`sim.core.phases.week`): through Numba's dispatcher
        the first time, then straight to the compiled version for these arrays
        (:func:`sim.core.phases.week_entry`)."""
        entry = self._week_entry
        if entry is not None:
            entry(part, self.t, self.draws.buffer, self._state)
            return
        phases.week(part, self.t, self.draws.buffer, *self._state)
        self._week_entry = phases.week_entry(self._state)

    def _bind(self) -> None:
        """The flat tuple of arrays the compiled week reads (:func:`sim.core.phases.week`)."""
        self._week_entry = None  # looked up again for these arrays (:meth:`_week`)
        self._state = (
            *self.workers.arrays,
            *self.clients.arrays,
            *self.continuity.arrays,
            self.params_record,
            self.hire_policy,
            self.draws.pos,
            self.counters,
            self.costs,
            self.ledgers,
            self.events,
            self._measure_values,
        )

    def step(self) -> None:
        """Simulate one week and record its measures (``running`` turns ``False`` at
        ``horizon_weeks``)."""
        self._advance()
        self.datacollector.collect(self)
        self._record_agents()
        if self.horizon_weeks is not None and self.t >= self.horizon_weeks:
            self.running = False

    @property
    def metrics(self) -> dict[str, float]:
        """This week's measures by name (:data:`sim.core.outputs.METRICS`), as Python
        floats."""
        if self._metrics is None or self._metrics[0] != self.t:
            self._metrics = (self.t, as_metrics(self._measure_values))
        return self._metrics[1]

    # -- bookkeeping in Python -------------------------------------------------------
    def _admit(self, places: np.ndarray) -> None:
        """New people take client places ``places`` (:func:`sim.core.phases.clients.admit`)."""
        self.draws.ensure(places.size * clients.admission_draws(self.params["n_domains"]))
        clients.admit(
            self.clients.arrays,
            self.continuity.arrays,
            self.params_record[0],
            self.draws.buffer,
            self.draws.pos,
            self.counters,
            places,
            self.t,
        )

    def _add_worker_handles(self, rows: np.ndarray) -> None:
        """One Mesa ``Worker`` per hire (events, not the population)."""
        if len(self._worker_handles) < self.workers.capacity:
            self._worker_handles.extend(
                [None] * (self.workers.capacity - len(self._worker_handles))
            )
        for r in rows.tolist():
            self._worker_handles[r] = Worker(self, r)

    def _remove_worker_handles(self, rows: np.ndarray) -> None:
        """Leavers: keep the spells of those hired in reported weeks (survival curve)
        and remove their Mesa agents."""
        reported, hire_week = self.workers.reported, self.workers.hire_week
        hires, exits = self._spells
        for r in rows.tolist():  # a few a week: plain Python beats NumPy calls here
            if reported[r]:
                hires.append(int(hire_week[r]))
                exits.append(self.t)
            self._worker_handles[r].remove()
            self._worker_handles[r] = None

    def workers_handle(self, row: int) -> Worker | None:
        return self._worker_handles[row]

    def client_handle(self, row: int) -> Client:
        return self._client_handles[row]

    # -- views -----------------------------------------------------------------------
    def contact_history(self, window: int = CONTACT_WINDOW) -> np.ndarray:
        """Who made every client's visits over the last ``window`` weeks (52 or 26), oldest
        first: one row per client, ``VISITS_MAX`` places a week (worker ids; -1 = no
        visit or a missed one)."""
        return self.continuity.history(self.t, window)

    def client_continuity(self, window: int = CONTACT_WINDOW) -> pd.DataFrame:
        """One row per client place: person id, usual weekly hours, this week's visits and
        missed visits, and the continuity indices over the last ``window`` weeks' visits
        (``coc``, ``upc``, ``secon``, ``distinct_workers``, ``visits``, ``missed``; NaN
        where undefined)."""
        c = self.clients
        ix = self.continuity.indices(window=window)
        return pd.DataFrame(
            {
                "person_id": c.person,
                "usual_hours": self.params["client_hours"] * c.acuity * c.hours_factor,
                "weeks_in_care": self.t - c.admit_week,
                "visits_this_week": c.visits,
                "missed_this_week": c.missed,
                "visits": ix["n"],
                "missed": ix["missed"],
                "coc": ix["coc"],
                "upc": ix["upc"],
                "secon": ix["secon"],
                "distinct_workers": ix["distinct"],
            }
        )

    def survival_data(self) -> pd.DataFrame:
        """Spells of workers hired in reported weeks: duration (weeks) and event (1 = left)."""
        w = self.workers
        hires, exits = self._spells
        stay = w.alive & w.reported
        n_stay = np.count_nonzero(stay)
        hire = np.concatenate([np.array(hires, dtype=w.hire_week.dtype), w.hire_week[stay]])
        end = np.concatenate([np.array(exits, dtype=np.int64), np.full(n_stay, self.t)])
        event = np.concatenate([np.ones(len(hires), dtype=int), np.zeros(n_stay, dtype=int)])
        return pd.DataFrame({"duration_weeks": (end - hire).astype(float), "event": event})

    def client_distinct_workers(self) -> np.ndarray:
        """Distinct workers seen in the last year by each client in care 52+ weeks."""
        year = np.flatnonzero(self.clients.admit_week <= self.t - CONTACT_WINDOW)
        return self.continuity.indices(year)["distinct"].astype(int)

    def _record_agents(self) -> None:
        every = self.params["agent_record_every"]
        if not every or self.t % every:
            return
        w = self.workers
        rows = np.flatnonzero(w.alive)
        self.agent_records.append(
            pd.DataFrame(
                {
                    "week": self.t,
                    "worker_id": w.wid[rows],
                    "float": w.is_float[rows],
                    "tenure_weeks": self.t - w.hire_week[rows],
                    "on_floor": w.start_week[rows] <= self.t,
                    "caseload": w.caseload[rows],
                    "competence": w.competence[rows].mean(axis=1),
                    "gap_awareness": w.awareness[rows],
                    "selfcare": w.selfcare[rows],
                    "exhaustion": w.exhaustion[rows],
                }
            )
        )

    def agent_data(self) -> pd.DataFrame:
        """The sampled agent records (empty unless ``agent_record_every`` > 0)."""
        if not self.agent_records:
            return pd.DataFrame()
        return pd.concat(self.agent_records, ignore_index=True)


def _check_horizon(value: Any) -> int | None:
    """``horizon_weeks`` as an int (NumPy numbers and whole floats too), or a
    :class:`~sim.core.params.ParameterError`."""
    if value is None:
        return None
    whole = isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    )
    if isinstance(value, bool | np.bool_) or not whole:
        raise registry.ParameterError(
            f"'horizon_weeks' must be a whole number of weeks or None, got {value!r}"
        )
    weeks = int(value)
    if weeks < 0:
        raise registry.ParameterError(
            f"'horizon_weeks' = {weeks} is out of range (allowed: 0 or more weeks, or None)"
        )
    return weeks


def _signature() -> inspect.Signature:
    kw = inspect.Parameter.KEYWORD_ONLY
    ps = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "regime", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="jit", annotation=str
        ),
        inspect.Parameter("setting", kw, default="dsp", annotation=str),
        inspect.Parameter("rng", kw, default=None),
        inspect.Parameter("horizon_weeks", kw, default=None, annotation=int | None),
    ]
    ps += [inspect.Parameter(n, kw, default=p.default) for n, p in registry.PARAMS.items()]
    return inspect.Signature(ps)


# Expose every registry parameter as a keyword in the signature (help(), batch_run, IDEs).
WorkforceModel.__init__.__signature__ = _signature()  # type: ignore[attr-defined]
