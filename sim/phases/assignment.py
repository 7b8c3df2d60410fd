"""Assignment: who gives each client care this week.

Reads: ``max_caseload``, ``float_capacity``, ``overtime_cover``, ``agency_cover``;
``model.wk["absence"]``; worker rows (alive, on the floor, float or not); clients'
``primary``.
Writes: clients' ``primary`` / ``primary_since`` / ``relationship_weeks`` for new
assignments; workers' ``caseload`` and ``absent``; this week's provider of each client
(``kind``, ``provider``) and its care contact in ``model.continuity``.

1. Clients without a primary worker get one, filling the workers with the most spare
   capacity first (never above ``max_caseload``). Float staff are never primary.
2. A client whose primary is present is cared for by the primary. Otherwise, in
   order: a float worker with capacity (stable order, so often the same float worker);
   staff overtime (probability ``overtime_cover``; a random colleague); temp agency
   staff (probability ``agency_cover``; a new face every week); or nobody (unmet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.jit import kernel
from sim.state import AGENCY, AGENCY_ID_BASE, AGENCY_IDS, FLOAT, NONE, OVERTIME, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def run(model: WorkforceModel) -> None:
    p, w, c = model.p, model.workers, model.clients
    # uniform draws: absence per worker slot, then orders of workers and of clients
    u = model.draws.take(2 * w.capacity + c.n)
    rest, staff = _assign_and_provide(
        u, model.wk["absence"], p.max_caseload, p.float_capacity, model.t, w.alive,
        w.start_week, w.is_float, w.absent, w.caseload, c.primary, c.primary_since,
        c.relationship_weeks, c.kind, c.provider,
    )
    draws = model.draws.take(3, rest.size)
    contact, n_agency = _cover_and_contacts(
        rest, staff, draws, p.overtime_cover, p.agency_cover, c.kind, c.provider, w.wid,
        model.agency_counter,
    )
    model.agency_counter += n_agency
    model.continuity.record(model.t, contact)


@kernel
def _assign_and_provide(u, absence, cap, float_capacity, t, alive, start_week, is_float,
                        absent, caseload, primary, primary_since, relationship_weeks, kind,
                        provider):  # pragma: no cover (compiled)
    """Steps 1 and 2 up to cover: absences, primary assignment, primary or float care.

    Returns the clients still without care and the regular staff present.
    """
    n = alive.size
    regular, floats, need = _absence_and_caseload(
        alive, start_week, is_float, absent, caseload, primary, u[:n], absence, t
    )
    if need.size and regular.size:
        need = need[np.argsort(u[2 * n + need])]  # clients in random order
        _assign(regular, u[n + regular], need, cap, t, caseload, primary, primary_since,
                relationship_weeks)
    return _primary_or_float(primary, absent, regular, floats, float_capacity, kind, provider)


@kernel
def _assign(regular, keys, need, cap, t, caseload, primary, primary_since,
            relationship_weeks):  # pragma: no cover (compiled)
    """Clients ``need`` (in random order) get primary workers, emptiest workers first.

    A worker with caseload *L* offers a place at level *L*, another at *L* + 1, ... up
    to ``cap``; places are taken level by level, and within a level in the random order
    of ``keys`` (one uniform draw per regular worker), until every client in ``need``
    has a worker or no place is left. (Compiled helpers here are called from
    :func:`_assign_and_provide`.)
    """
    order = regular[np.argsort(keys)]
    load = caseload[order]  # caseloads before this week's assignments
    level = cap
    for i in range(order.size):
        level = min(level, load[i])
    got = 0
    while got < need.size and level < cap:
        for j in range(order.size):
            if load[j] <= level:
                c = need[got]
                primary[c] = order[j]
                primary_since[c] = t
                relationship_weeks[c] = 0.0
                caseload[order[j]] += 1
                got += 1
                if got == need.size:
                    break
        level += 1


@kernel
def _absence_and_caseload(alive, start_week, is_float, absent, caseload, primary,
                          absent_draw, absence, t):  # pragma: no cover (compiled)
    """Mark this week's absences and count caseloads.

    Returns the rows of regular and of float staff on the floor, and the client rows
    without a primary worker.
    """
    regular = np.empty(alive.size, dtype=np.int64)
    floats = np.empty(alive.size, dtype=np.int64)
    n_reg = 0
    n_float = 0
    for i in range(alive.size):
        caseload[i] = 0
        absent[i] = False
        if alive[i] and start_week[i] <= t:
            absent[i] = absent_draw[i] < absence
            if is_float[i]:
                floats[n_float] = i
                n_float += 1
            else:
                regular[n_reg] = i
                n_reg += 1
    need = np.empty(primary.size, dtype=np.int64)
    n_need = 0
    for c in range(primary.size):
        if primary[c] >= 0:
            caseload[primary[c]] += 1
        else:
            need[n_need] = c
            n_need += 1
    return regular[:n_reg], floats[:n_float], need[:n_need]


@kernel
def _primary_or_float(primary, absent, regular, floats, float_capacity, kind,
                      provider):  # pragma: no cover (compiled)
    """A client whose primary is present gets the primary; the others, in client order,
    a place with a present float worker (``float_capacity`` each, in float order).

    Returns the clients still without care, and the regular staff present (who may
    cover them in overtime).
    """
    rest = np.empty(primary.size, dtype=np.int64)
    n_rest = 0
    f = 0  # next float worker with places
    used = 0  # places taken with float worker ``f``
    while f < floats.size and (absent[floats[f]] or float_capacity <= 0):
        f += 1
    for c in range(primary.size):
        if primary[c] >= 0 and not absent[primary[c]]:
            kind[c] = PRIMARY
            provider[c] = primary[c]
        elif f < floats.size:
            kind[c] = FLOAT
            provider[c] = floats[f]
            used += 1
            if used == float_capacity:
                used = 0
                f += 1
                while f < floats.size and absent[floats[f]]:
                    f += 1
        else:
            kind[c] = NONE
            provider[c] = -1
            rest[n_rest] = c
            n_rest += 1
    staff = np.empty(regular.size, dtype=np.int64)
    n_staff = 0
    for i in regular:
        if not absent[i]:
            staff[n_staff] = i
            n_staff += 1
    return rest[:n_rest], staff[:n_staff]


@kernel
def _cover_and_contacts(rest, staff, draws, overtime_cover, agency_cover, kind, provider,
                        wid, agency_counter):  # pragma: no cover (compiled)
    """Cover for clients ``rest``, then each client's care contact this week.

    Client ``rest[j]`` is covered in overtime if ``draws[0, j] < overtime_cover`` (by
    the present colleague ``draws[1, j]`` picks), else by temp agency staff if
    ``draws[2, j] < agency_cover``, else not at all. A contact is the provider's id, a
    fresh temp id for agency cover (wrapping far beyond any 52-week window), or -1.
    Returns (ids, temp ids used).
    """
    for j in range(rest.size):
        c = rest[j]
        if staff.size and draws[0, j] < overtime_cover:
            kind[c] = OVERTIME
            provider[c] = staff[min(int(draws[1, j] * staff.size), staff.size - 1)]
        elif draws[2, j] < agency_cover:
            kind[c] = AGENCY
    ids = np.empty(kind.size, dtype=np.int32)
    n_agency = 0
    for c in range(kind.size):
        if provider[c] >= 0:
            ids[c] = wid[provider[c]]
        elif kind[c] == AGENCY:
            ids[c] = AGENCY_ID_BASE + (agency_counter + n_agency) % AGENCY_IDS
            n_agency += 1
        else:
            ids[c] = -1
    return ids, n_agency
