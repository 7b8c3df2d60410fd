"""The weekly processes, one module each, run in this order by :func:`week`.

Each phase's arithmetic is a compiled function ``step(...)`` over the state arrays
(:mod:`sim.core.state`, passed as named tuples: ``W`` workers, ``C`` clients, ``L`` the
continuity ledger; ``P`` is the parameters' record); none loops over agents in Python. The order
follows docs/ODD.md §3: shocks, hiring, assignment, care, learning, burnout, separation,
clients. :func:`week` runs them all, and the week's observation, in one compiled call;
the model then does what needs Python objects: Mesa handles for hires and leavers, and
the leavers' spells for the survival curve.
"""

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from sim.core import observe
from sim.core.continuity import LedgerArrays, record_runs, rotate
from sim.core.jit import inline_kernel, kernel
from sim.core.phases import assignment, burnout, care, clients, hiring, learning, separation, shocks
from sim.core.state import (
    CARE_HOURS,
    CONTACT_WINDOW,
    COST,
    EVENT,
    ClientArrays,
    WorkerArrays,
)

# where each group of ``week``'s flat arrays ends
_W_END = len(WorkerArrays._fields)
_C_END = _W_END + len(ClientArrays._fields)
_L_END = _C_END + len(LedgerArrays._fields)

#: The phases that take uniforms from the pool; each declares its draws by name and how
#: many it takes at most in a week (``uniforms``), and :func:`week_draws` adds them up.
_DRAWING = (hiring, assignment, care, learning, separation, clients)

__all__ = [
    "assignment",
    "burnout",
    "care",
    "clients",
    "events_size",
    "hiring",
    "learning",
    "run_week",
    "separation",
    "shocks",
    "week",
    "week_draws",
    "week_entry",
]


#: What one call of :func:`week` runs: the whole week, or one of its three parts, in
#: the order a week runs them.
WHOLE_WEEK, VISITS_PART, CARE_PART, CLOSE_PART = range(4)

_WEEK_SCALARS = (numba.typeof(0), numba.typeof(0), numba.typeof(np.empty(0)))


def week_entry(arrays: tuple) -> Callable[..., Any] | None:
    """The compiled :func:`week` for arrays of the types of ``arrays``, called as
    ``entry(part, t, pool, arrays)`` (the arrays as one tuple), or ``None`` while that
    version is not compiled or loaded yet (call :func:`week` once first).

    Numba's dispatcher works out the type of every argument on every call, about 6 µs
    for the week's 87 arrays (a few per cent of a small agency's week); a model whose
    arrays keep their types (:class:`sim.core.model.WorkforceModel`) looks the version
    up once, by exactly those types, and calls it directly.
    """
    compiled = week.overloads.get((*_WEEK_SCALARS, numba.typeof(arrays)))
    return None if compiled is None else compiled.entry_point


@kernel
def week(part, t, pool, *arrays):  # pragma: no cover (compiled)
    """Week ``t``: every phase, in order (``part`` = ``WHOLE_WEEK``: :func:`run_week`), or
    one part of it, for a caller that records the visits in the continuity ledger itself
    between the first and the second
    (:func:`sim.core.continuity.record_runs` of the clients' ``vruns``, ``vrun_at``,
    ``nvruns``, ``visits``):

    * ``VISITS_PART`` (:func:`_visits_part`) staffs the week's visits;
    * ``CARE_PART`` (:func:`_care_part`) reads and writes nothing of the ledger, so it
      may run while the ledger records the week's visits;
    * ``CLOSE_PART`` (:func:`_close_part`), once the ledger holds them.

    ``arrays`` are, flat: the worker arrays
    (:class:`~sim.core.state.WorkerArrays`), the client arrays
    (:class:`~sim.core.state.ClientArrays`), the continuity ledger's
    (:class:`~sim.core.continuity.LedgerArrays`), then ``params`` and ``policies``
    (one-element record arrays: the model's parameters and the hiring policy), the pool
    position ``pos``, ``counters``, ``costs``, the 52-week ledgers ``led`` and the outputs
    ``events`` and ``measures``. Flat arrays pass into compiled code much faster than
    named tuples of them; one entry point for the whole week and its parts is compiled
    once.
    """
    W = WorkerArrays(*arrays[:_W_END])
    C = ClientArrays(*arrays[_W_END:_C_END])
    L = LedgerArrays(*arrays[_C_END:_L_END])
    params, policies, pos, counters, costs, led, events, measures = arrays[_L_END:]
    P = params[0]
    if part == WHOLE_WEEK:
        run_week(W, C, L, P, policies[0], pool, pos, counters, costs, led, events, measures, t)
    elif part == VISITS_PART:
        _visits_part(W, C, P, policies[0], pool, pos, counters, costs, led, events, t)
    elif part == CARE_PART:
        _care_part(W, C, P, pool, pos, costs, led, events, t)
    else:
        _close_part(W, C, L, P, pool, pos, counters, costs, led, events, measures, t)


@inline_kernel
def run_week(
    W, C, L, P, policy, pool, pos, counters, costs, led, events, measures, t
):  # pragma: no cover (compiled)
    """Every phase, in order, then this week's measures (:func:`sim.core.observe.measure`).

    ``costs`` (this week) and column ``t % 52`` of the 52-week ledgers ``led`` start
    from zero; the caller made sure the uniform pool holds enough for a week
    (:func:`week_draws`). ``events`` receives, in the slots named by
    :data:`sim.core.state.EVENT`, the numbers of hires, leavers, quits, dismissals and
    discharged clients not yet replaced (``pending``: when the pool ran short), then from
    ``events[len(EVENT)]`` on the rows of the hires, of the leavers and of those places.

    The week runs in three parts with the continuity ledger's recording between the
    first and the second; the second never touches the ledger, so a large agency's
    model (:class:`sim.core.model.WorkforceModel`) records the visits in a second thread
    while it runs, with the same result.
    """
    _visits_part(W, C, P, policy, pool, pos, counters, costs, led, events, t)
    record_runs(L, t, C.vruns, C.vrun_at, C.nvruns, C.visits, 0, C.visits.size)
    _care_part(W, C, P, pool, pos, costs, led, events, t)
    _close_part(W, C, L, P, pool, pos, counters, costs, led, events, measures, t)


@inline_kernel
def _visits_part(W, C, P, policy, pool, pos, counters, costs, led, events, t):  # pragma: no cover
    """Shocks, hiring and assignment; the hires into ``events``."""
    slot = t % CONTACT_WINDOW
    led[:, slot] = 0.0
    costs[:] = 0.0
    _, demand, absence, ttf_mult, _ = shocks.step(P, t)
    hired = hiring.step(W, P, policy, pool, pos, counters, costs, t, ttf_mult)
    events[EVENT.hires] = hired.size
    k = len(EVENT)
    for i in range(hired.size):  # (not a slice assignment: see hiring.step)
        events[k + i] = hired[i]
    assignment.step(W, C, P, pool, pos, counters, t, absence, demand)


@inline_kernel
def _care_part(W, C, P, pool, pos, costs, led, events, t):  # pragma: no cover (compiled)
    """Care, learning, burnout, separation and discharges; the leavers and the places
    discharged into ``events`` (after the hires; ``pending`` counts the places)."""
    slot = t % CONTACT_WINDOW
    quit_mult = shocks.step(P, t)[4]
    care.step(W, C, P, pool, pos, costs, t)
    led[CARE_HOURS, slot] = care.delivered_hours(C)
    learning.step(W, P, pool, pos, costs, t)
    burnout.step(W, P, t)
    leavers, quits, dismissals = separation.step(W, C, P, pool, pos, costs, led, t, quit_mult)
    discharged = clients.step(C, P, pool, pos)
    events[EVENT.leavers] = leavers.size
    events[EVENT.quits] = quits
    events[EVENT.dismissals] = dismissals
    events[EVENT.pending] = discharged.size
    k = len(EVENT) + events[EVENT.hires]
    for rows in (leavers, discharged):
        for i in range(rows.size):
            events[k + i] = rows[i]
        k += rows.size


@inline_kernel
def _close_part(
    W, C, L, P, pool, pos, counters, costs, led, events, measures, t
):  # pragma: no cover (compiled)
    """The continuity ledger's new week in place (:func:`~sim.core.continuity.rotate`),
    admissions to the discharged places (if the pool holds enough uniforms; else they
    stay ``pending`` for the caller), the week's cost, then the measures."""
    rotate(L, t)
    start = len(EVENT) + events[EVENT.hires] + events[EVENT.leavers]
    n = events[EVENT.pending]
    per = clients.admission_draws(C.share.shape[1])
    if pos[0] + n * per <= pool.size:  # else the caller refills, then admits
        clients.admit(C, L, P, pool, pos, counters, events[start : start + n].copy(), t)
        events[EVENT.pending] = 0
    led[COST, t % CONTACT_WINDOW] = costs.sum()
    observe.measure(W, C, L, P, costs, led, events, t, measures)


def events_size(worker_slots: int, n_clients: int, posts: int) -> int:
    """Length of :func:`run_week`'s ``events`` buffer: the counts of
    :data:`~sim.core.state.EVENT`, then room for every post to be filled, every worker to
    leave and every client place to wait for an admission."""
    return len(EVENT) + posts + worker_slots + n_clients


def week_draws(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms one :func:`week` can take before admissions (which it makes only
    if enough are left): for ``worker_slots`` rows of worker state, ``n_clients``
    places and ``posts`` budgeted posts (each of which may be filled in one week), the
    sum of what each phase declares (its ``uniforms``)."""
    return sum(phase.uniforms(worker_slots, n_clients, posts, n_domains) for phase in _DRAWING)
