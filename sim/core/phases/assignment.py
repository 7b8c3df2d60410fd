"""Assignment: who gives each client care this week.

Reads: ``max_caseload``, ``float_capacity``, ``overtime_cover``, ``agency_cover``;
this week's absence rate; worker rows (alive, on the floor, float or not); clients'
``primary``.
Writes: clients' ``primary`` / ``primary_since`` / ``relationship_weeks`` for new
assignments; workers' ``caseload`` and ``absent``; this week's provider of each client
(``kind``, ``provider``) and its care contact in the continuity ledger
(:mod:`sim.core.continuity`).

1. Clients without a primary worker get one, filling the workers with the most spare
   capacity first (never above ``max_caseload``). Float staff are never primary.
2. A client whose primary is present is cared for by the primary. Otherwise, in
   order: a float worker with capacity (stable order, so often the same float worker);
   staff overtime (probability ``overtime_cover``; a random colleague); temp agency
   staff (probability ``agency_cover``; a new face every week); or nobody (unmet).
"""

from __future__ import annotations

import numpy as np

from sim.core.continuity import record_contacts
from sim.core.draws import take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import (
    AGENCY,
    AGENCY_COUNTER,
    AGENCY_ID_BASE,
    AGENCY_IDS,
    FLOAT,
    NONE,
    OVERTIME,
    PRIMARY,
)

#: The uniforms taken a week for each worker slot, by name; each is one block over all
#: the slots, in this order: absence, then the random order of workers.
WORKER_DRAWS = indices(("absence", "order"))

#: The uniforms taken a week for each client place, in a block after the workers': the
#: random order in which clients without a primary worker get one.
CLIENT_DRAWS = indices(("order",))

#: The uniforms each client without care from the primary or a float worker takes, by
#: name (the client's block holds them in this order): overtime cover or not, which
#: colleague, agency cover or not.
COVER_DRAWS = indices(("overtime", "colleague", "agency"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week (every client needing cover)."""
    return len(WORKER_DRAWS) * worker_slots + (len(CLIENT_DRAWS) + len(COVER_DRAWS)) * n_clients


@kernel
def step(W, C, L, P, pool, pos, counters, t, absence):  # pragma: no cover (compiled)
    n = W.alive.size
    u = take(pool, pos, len(WORKER_DRAWS) * n + len(CLIENT_DRAWS) * C.primary.size)
    u_absence = u[WORKER_DRAWS.absence * n : (WORKER_DRAWS.absence + 1) * n]
    u_order = u[WORKER_DRAWS.order * n : (WORKER_DRAWS.order + 1) * n]
    u_client = u[len(WORKER_DRAWS) * n :]
    per_client = len(CLIENT_DRAWS)
    regular, floats, need = _absence_and_caseload(W, C, u_absence, absence, t)

    # 1. primary assignment
    if need.size and regular.size:
        need = need[np.argsort(u_client[per_client * need + CLIENT_DRAWS.order])]
        _assign(W, C, regular, u_order[regular], need, P.max_caseload, t)

    # 2. this week's provider: primary, float, overtime, agency or nobody
    rest, staff = _primary_or_float(W, C, regular, floats, P.float_capacity)
    per = len(COVER_DRAWS)
    draws = take(pool, pos, per * rest.size)
    for j in range(rest.size):
        c = rest[j]
        d = draws[per * j : per * (j + 1)]
        if staff.size and d[COVER_DRAWS.overtime] < P.overtime_cover:  # a present colleague
            C.kind[c] = OVERTIME
            C.provider[c] = staff[min(int(d[COVER_DRAWS.colleague] * staff.size), staff.size - 1)]
        elif d[COVER_DRAWS.agency] < P.agency_cover:
            C.kind[c] = AGENCY
    record_contacts(L, t, _contacts(W, C, counters))


@kernel
def _absence_and_caseload(W, C, absent_draw, absence, t):  # pragma: no cover (compiled)
    """Mark this week's absences and count caseloads.

    Returns the rows of regular and of float staff on the floor, and the client rows
    without a primary worker.
    """
    n = W.alive.size
    regular = np.empty(n, dtype=np.int64)
    floats = np.empty(n, dtype=np.int64)
    n_reg = 0
    n_float = 0
    for i in range(n):
        W.caseload[i] = 0
        W.absent[i] = False
        if W.alive[i] and W.start_week[i] <= t:
            W.absent[i] = absent_draw[i] < absence
            if W.is_float[i]:
                floats[n_float] = i
                n_float += 1
            else:
                regular[n_reg] = i
                n_reg += 1
    need = np.empty(C.primary.size, dtype=np.int64)
    n_need = 0
    for c in range(C.primary.size):
        if C.primary[c] >= 0:
            W.caseload[C.primary[c]] += 1
        else:
            need[n_need] = c
            n_need += 1
    return regular[:n_reg], floats[:n_float], need[:n_need]


@kernel
def _assign(W, C, regular, keys, need, cap, t):  # pragma: no cover (compiled)
    """Clients ``need`` (in random order) get primary workers, emptiest workers first.

    A worker with caseload *L* offers a place at level *L*, another at *L* + 1, ... up
    to ``cap``; places are taken level by level, and within a level in the random order
    of ``keys`` (one uniform draw per regular worker), until every client in ``need``
    has a worker or no place is left.
    """
    order = regular[np.argsort(keys)]
    load = W.caseload[order]  # caseloads before this week's assignments
    level = cap
    for i in range(order.size):
        level = min(level, load[i])
    got = 0
    while got < need.size and level < cap:
        for j in range(order.size):
            if load[j] <= level:
                c = need[got]
                C.primary[c] = order[j]
                C.primary_since[c] = t
                C.relationship_weeks[c] = 0.0
                W.caseload[order[j]] += 1
                got += 1
                if got == need.size:
                    break
        level += 1


@kernel
def _primary_or_float(W, C, regular, floats, float_capacity):  # pragma: no cover (compiled)
    """A client whose primary is present gets the primary; the others, in client order,
    a place with a present float worker (``float_capacity`` each, in float order).

    Returns the clients still without care, and the regular staff present (who may
    cover them in overtime).
    """
    rest = np.empty(C.primary.size, dtype=np.int64)
    n_rest = 0
    f = 0  # next float worker with places
    used = 0  # places taken with float worker ``f``
    while f < floats.size and (W.absent[floats[f]] or float_capacity <= 0):
        f += 1
    for c in range(C.primary.size):
        if C.primary[c] >= 0 and not W.absent[C.primary[c]]:
            C.kind[c] = PRIMARY
            C.provider[c] = C.primary[c]
        elif f < floats.size:
            C.kind[c] = FLOAT
            C.provider[c] = floats[f]
            used += 1
            if used == float_capacity:
                used = 0
                f += 1
                while f < floats.size and W.absent[floats[f]]:
                    f += 1
        else:
            C.kind[c] = NONE
            C.provider[c] = -1
            rest[n_rest] = c
            n_rest += 1
    staff = np.empty(regular.size, dtype=np.int64)
    n_staff = 0
    for i in regular:
        if not W.absent[i]:
            staff[n_staff] = i
            n_staff += 1
    return rest[:n_rest], staff[:n_staff]


@kernel
def _contacts(W, C, counters):  # pragma: no cover (compiled)
    """Each client's care contact this week: the provider's worker id, a fresh temp id for
    agency cover (wrapping far beyond any 52-week window), or -1."""
    ids = np.empty(C.kind.size, dtype=np.int32)
    for c in range(C.kind.size):
        if C.provider[c] >= 0:
            ids[c] = W.wid[C.provider[c]]
        elif C.kind[c] == AGENCY:
            ids[c] = AGENCY_ID_BASE + counters[AGENCY_COUNTER] % AGENCY_IDS
            counters[AGENCY_COUNTER] += 1
        else:
            ids[c] = -1
    return ids
