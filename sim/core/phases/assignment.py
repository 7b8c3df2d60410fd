"""Assignment: who makes each client's visits (or shifts) this week.

Reads: ``client_hours``, ``crisis_multiplier``, ``visit_hours_min``, ``shift_hours_max``,
``work_days``, ``team_backups``, ``max_caseload``, ``contract_hours``,
``float_capacity``, ``overtime_cover``, ``agency_cover``; this week's demand multiplier
and absence rate; worker rows (alive, on the floor, float or not, worker id); clients'
acuity, hours factor, crisis, escalation, ``primary`` and ``backup`` (the team).
Writes: clients' ``hours`` (this week's need), ``visits``, each visit's provider
(``vkind``, ``vprov``), ``missed``, ``by_primary``, the week's main provider (``kind``,
``provider``), ``covered`` (visits by float, overtime or agency staff),
``primary``/``primary_since``/``relationship_weeks`` for new primary
workers and ``backup`` for new team members; workers' ``caseload``, ``backups`` and
``absent``; the week's visits as the continuity ledger keeps them (``vruns``,
``vrun_at``, ``nvruns``: runs of visits by one worker, packed,
:func:`sim.core.continuity.pack_run`, every client's after the previous one's).

**Schedule.** Client *c* needs ``h_c = client_hours * a_c * f_c * x_c * D * (1 + e_c)``
hours this week (acuity *a*, hours factor *f*, crisis multiplier *x*, demand multiplier
*D*, escalation *e*). They are spread over ``days = min(7, max(1, floor(h /
visit_hours_min)))`` days; a day of more than ``shift_hours_max`` hours is split into
two shifts. So a client has ``visits = days * shifts`` visits a week (at most 14), each
of ``h_c / visits`` hours. The agency schedules the visits on the primary worker's
working days when there are no more days than ``work_days`` (evenly spread over them);
otherwise, and for a client without a primary worker, the days are evenly spaced over
the week from a weekday fixed per client.

**Workers' days.** Each worker works ``work_days`` days a week and has the others off,
always the same days (``(day - wid) mod 7 < 7 - work_days`` is a day off). A worker
makes at most one visit (shift) a day to one client.

**Primary workers** (the caseload norm). Float staff are never primary. A client
without one gets, in random order, the regular worker with the most spare primary
hours among ``PROBE`` workers from a random place in the staff list, if that worker
has room: fewer than ``max_caseload`` clients and primary hours within
``contract_hours`` after taking the client's primary hours ``h_b / shifts_b * min(1,
work_days / days_b)`` (``h_b`` the client's base hours, without crisis or escalation,
and its schedule). A client
for whom no worker has room has no primary worker: all their visits need cover.

**Teams.** Each client also has ``ceil(visits_b / work_days) - 1 + team_backups``
backup workers (at most ``BACKUPS_MAX``), chosen as the regular worker who is backup to
the fewest clients among ``PROBE`` from a random place (not already in the team).

**Each visit**, in order, goes to: the primary, if present and working that day (the
first shift of the day); else the first backup present, working that day and not
already on the client's other shift that day; else a float worker working that day with
fewer than ``float_capacity`` visits that day (always the first such, so often the same
one); else a colleague in overtime (probability ``overtime_cover``; a present regular
worker drawn at random, the same for all the client's visits covered so that week);
else temp agency staff (probability ``agency_cover``, a new face each visit); else
nobody: the visit is missed.
"""

from __future__ import annotations

import numpy as np

from sim.core.continuity import NO_CONTACT, pack_run
from sim.core.draws import order_of, sub_uniform, take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import (
    AGENCY,
    AGENCY_COUNTER,
    AGENCY_ID_BASE,
    AGENCY_IDS,
    BACKUPS_MAX,
    FLOAT,
    NONE,
    OVERTIME,
    PRIMARY,
    TEAM,
    VISITS_MAX,
)

#: The uniforms taken a week for each worker slot, by name; each is one block over all
#: the slots, in this order: absence, then the random order of workers.
WORKER_DRAWS = indices(("absence", "order"))

#: The uniforms taken a week for the clients without a primary worker, each one block
#: over those clients, in this order: the random order in which they get one, and where
#: the search for each one's primary starts. A team place to fill takes one more (where
#: the search starts), and a client with a visit needing cover one (``COVER_DRAWS``).
NEED_DRAWS = indices(("order", "start"))

#: The uniforms each visit without a primary, backup or float worker uses, by name:
#: overtime cover or not, which colleague, agency cover or not. They are derived
#: (:func:`sim.core.draws.sub_uniform`) from one uniform the client takes that week.
COVER_DRAWS = indices(("overtime", "colleague", "agency"))

#: Workers looked at when choosing a client's primary or backup worker.
PROBE = 16


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week (every visit needing cover)."""
    return len(WORKER_DRAWS) * worker_slots + (len(NEED_DRAWS) + BACKUPS_MAX + 1) * n_clients


@kernel
def schedule(hours, visit_hours_min, shift_hours_max):  # pragma: no cover (compiled)
    """Days and shifts a day of a client who needs ``hours`` this week."""
    days = min(7, max(1, int(hours / visit_hours_min)))
    shifts = 2 if hours / days > shift_hours_max else 1
    return days, shifts


@kernel
def base_hours(client_hours, acuity, hours_factor):  # pragma: no cover (compiled)
    """A client's weekly hours without crisis, escalation or a shock.

    (Compiled helpers called per client or per visit take numbers, not the named tuples
    of state or the parameters' record: a call copies whatever it is passed.)"""
    return client_hours * acuity * hours_factor


@kernel
def usual_schedule(C, P, c):  # pragma: no cover (compiled)
    """Set client ``c``'s usual (admission) schedule figures: the hours a week their
    primary worker gives in a usual week (``phours``: one shift on each visit day that
    is one of the worker's working days, all of them when the client's days fit in a
    working week) and the backups their team needs (``team_want``)."""
    hb = base_hours(P.client_hours, C.acuity[c], C.hours_factor[c])
    days, shifts = schedule(hb, P.visit_hours_min, P.shift_hours_max)
    C.phours[c] = hb / shifts * min(1.0, P.work_days / days)
    want = -(-(days * shifts) // P.work_days) - 1 + P.team_backups
    C.team_want[c] = min(max(want, 0), C.backup.shape[1])


@kernel
def works(wid, day, work_days):  # pragma: no cover (compiled)
    """Whether the worker with id ``wid`` works on weekday ``day`` (0-6)."""
    return (day - wid) % 7 >= 7 - work_days


@kernel
def step(W, C, P, pool, pos, counters, t, absence, demand_mult):  # pragma: no cover (compiled)
    """This week's absences, primary workers, teams and visits, with each client's week as
    packed runs (``C.vruns``, ``C.vrun_at``, ``C.nvruns``), which the week then records in
    the continuity ledger (:func:`sim.core.continuity.record_runs`)."""
    n = W.alive.size
    u = take(pool, pos, len(WORKER_DRAWS) * n)
    u_absence = u[WORKER_DRAWS.absence * n : (WORKER_DRAWS.absence + 1) * n]
    u_order = u[WORKER_DRAWS.order * n : (WORKER_DRAWS.order + 1) * n]
    regular, floats, need, load = _absence_and_caseload(W, C, u_absence, absence, t)
    staff = regular[order_of(u_order[regular])]  # this week's random order of staff

    # 1. primary workers, then teams
    if need.size and staff.size:
        d = take(pool, pos, len(NEED_DRAWS) * need.size)
        keys = d[NEED_DRAWS.order * need.size : (NEED_DRAWS.order + 1) * need.size]
        starts = d[NEED_DRAWS.start * need.size : (NEED_DRAWS.start + 1) * need.size]
        order = order_of(keys)
        _assign(W, C, P, staff, load, need[order], starts[order], t)
    if staff.size > 1:
        _teams(W, C, staff, pool, pos)

    # 2. this week's visits
    present = np.empty(staff.size, dtype=np.int64)  # regular staff present (overtime)
    k = 0
    for i in regular:
        if not W.absent[i]:
            present[k] = i
            k += 1
    present = present[:k]
    _visits(W, C, P, pool, pos, counters, floats, present, demand_mult)


@kernel
def _absence_and_caseload(W, C, absent_draw, absence, t):  # pragma: no cover (compiled)
    """Mark this week's absences and count caseloads (clients and primary hours) and
    backup roles.

    Returns the rows of regular and of float staff on the floor, the client rows
    without a primary worker, and each worker row's primary hours.
    """
    n = W.alive.size
    regular = np.empty(n, dtype=np.int64)
    floats = np.empty(n, dtype=np.int64)
    load = np.zeros(n)
    n_reg = 0
    n_float = 0
    for i in range(n):
        W.caseload[i] = 0
        W.backups[i] = 0
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
        for k in range(C.backup.shape[1]):
            if C.backup[c, k] >= 0:
                W.backups[C.backup[c, k]] += 1
        if C.primary[c] >= 0:
            W.caseload[C.primary[c]] += 1
            load[C.primary[c]] += C.phours[c]
        else:
            need[n_need] = c
            n_need += 1
    return regular[:n_reg], floats[:n_float], need[:n_need], load


@kernel
def _assign(W, C, P, staff, load, need, starts, t):  # pragma: no cover (compiled)
    """Clients ``need`` (in random order) get a primary worker with room (the module
    docstring's caseload norm), the one with most spare hours of ``PROBE`` looked at
    from place ``starts`` (a uniform per client) in the staff list."""
    m = staff.size
    for q in range(need.size):
        c = need[q]
        hours = min(C.phours[c], P.contract_hours)
        start = min(int(starts[q] * m), m - 1)
        best = -1
        spare_best = -1.0
        for j in range(min(PROBE, m)):
            i = staff[(start + j) % m]
            spare = P.contract_hours - load[i]
            if W.caseload[i] < P.max_caseload and spare >= hours and spare > spare_best:
                best = i
                spare_best = spare
        if best >= 0:
            C.primary[c] = best
            C.primary_since[c] = t
            C.relationship_weeks[c] = 0.0
            W.caseload[best] += 1
            load[best] += hours


@kernel
def _teams(W, C, staff, pool, pos):  # pragma: no cover (compiled)
    """Fill each client's empty team places (module docstring); one uniform from the
    pool for each place filled, where the search starts."""
    m = staff.size
    for c in range(C.primary.size):
        for k in range(C.team_want[c]):
            if C.backup[c, k] >= 0:
                continue
            start = min(int(take(pool, pos, 1)[0] * m), m - 1)
            best = -1
            for j in range(min(PROBE, m)):
                i = staff[(start + j) % m]
                if i == C.primary[c]:
                    continue
                taken = False
                for q in range(C.backup.shape[1]):
                    taken = taken or C.backup[c, q] == i
                if not taken and (best < 0 or W.backups[i] < W.backups[best]):
                    best = i
            if best >= 0:
                C.backup[c, k] = best
                W.backups[best] += 1


@kernel
def _visits(W, C, P, pool, pos, counters, floats, present, demand_mult):  # pragma: no cover
    """Each client's visits this week and who makes them (module docstring), and the
    week's runs of visits by one worker (or missed) for the continuity ledger: worker ids
    (a new one for each visit by temp agency staff), packed, client *c*'s ``C.nvruns[c]``
    from ``C.vruns[C.vrun_at[c]]`` on, every client's after the previous one's."""
    n_clients = C.primary.size
    cursor = 0  # where the next run goes in ``C.vruns``
    float_used = np.zeros((floats.size, 7), dtype=np.int64)
    per = len(COVER_DRAWS)
    client_hours, visit_min, shift_max = P.client_hours, P.visit_hours_min, P.shift_hours_max
    work_days, float_capacity = P.work_days, P.float_capacity
    overtime_cover, agency_cover, crisis_multiplier = (
        P.overtime_cover,
        P.agency_cover,
        P.crisis_multiplier,
    )
    for c in range(n_clients):
        crisis = crisis_multiplier if C.crisis_left[c] > 0 else 1.0
        hb = base_hours(client_hours, C.acuity[c], C.hours_factor[c])
        hours = hb * crisis * demand_mult * (1 + C.escalation[c])
        C.hours[c] = hours
        days, shifts = schedule(hours, visit_min, shift_max)
        nv = days * shifts
        C.visits[c] = nv
        p = C.primary[c]
        p_here = p >= 0 and not W.absent[p]
        # visit days: the primary's working days if they cover the schedule, else
        # evenly spaced from a weekday fixed per client
        fit = p >= 0 and days <= work_days
        offset = (W.wid[p] + 7 - work_days) % 7 if fit else C.person[c] % 7
        spread = work_days if fit else 7
        colleague = -1  # the colleague covering this client in overtime this week
        seed = -1.0  # the client's uniform for this week's cover draws (taken if needed)
        missed = 0
        by_primary = 0
        covered = 0
        main = -1  # the first visit made by someone (the week's provider if no primary)
        run_id = NO_CONTACT  # the current run of visits by one worker id (or missed)
        run_len = 0
        C.vrun_at[c] = cursor
        for j in range(VISITS_MAX):
            C.vkind[c, j] = NONE
            C.vprov[c, j] = -1
        q = 0  # the visit's day index times spread, over days: quotient and remainder
        r = 0  # (kept by addition: a division per visit costs more than a visit's work)
        for j in range(nv):
            second = shifts == 2 and j & 1 == 1
            if j > 0 and not second:  # the next day of the schedule
                r += spread
                while r >= days:
                    r -= days
                    q += 1
            day = (offset + q) % 7  # = (offset + ((j // shifts) * spread) // days) % 7
            other = C.vprov[c, j - 1] if second else -1  # on the day's first shift
            kind = NONE
            prov = -1
            if not second and p_here and works(W.wid[p], day, work_days):
                kind = PRIMARY
                prov = p
            else:
                for k in range(C.backup.shape[1]):
                    b = C.backup[c, k]
                    if (
                        b >= 0
                        and b != other
                        and not W.absent[b]
                        and works(W.wid[b], day, work_days)
                    ):
                        kind = TEAM
                        prov = b
                        break
            if kind == NONE:
                for f in range(floats.size):
                    fi = floats[f]
                    if (
                        not W.absent[fi]
                        and fi != other
                        and float_used[f, day] < float_capacity
                        and works(W.wid[fi], day, work_days)
                    ):
                        float_used[f, day] += 1
                        kind = FLOAT
                        prov = fi
                        break
            if kind == NONE:
                if seed < 0:
                    seed = take(pool, pos, 1)[0]
                if present.size and sub_uniform(seed, per * j + COVER_DRAWS.overtime) < (
                    overtime_cover
                ):
                    kind = OVERTIME
                    if colleague < 0:
                        x = sub_uniform(seed, per * j + COVER_DRAWS.colleague)
                        colleague = present[min(int(x * present.size), present.size - 1)]
                    prov = colleague
                elif sub_uniform(seed, per * j + COVER_DRAWS.agency) < agency_cover:
                    kind = AGENCY
            C.vkind[c, j] = kind
            C.vprov[c, j] = prov
            vid = NO_CONTACT
            if prov >= 0:
                vid = W.wid[prov]
            elif kind == AGENCY:
                vid = AGENCY_ID_BASE + counters[AGENCY_COUNTER] % AGENCY_IDS
                counters[AGENCY_COUNTER] += 1
            if run_len > 0 and vid == run_id:
                run_len += 1
            else:
                if run_len > 0:
                    C.vruns[cursor] = pack_run(run_id, run_len)
                    cursor += 1
                run_id = vid
                run_len = 1
            if kind == NONE:
                missed += 1
            elif main < 0:
                main = j
            by_primary += kind == PRIMARY
            covered += kind == FLOAT or kind == OVERTIME or kind == AGENCY
        if run_len > 0 and run_id != NO_CONTACT:  # (missed visits at the end are no run)
            C.vruns[cursor] = pack_run(run_id, run_len)
            cursor += 1
        C.nvruns[c] = cursor - C.vrun_at[c]
        C.missed[c] = missed
        C.by_primary[c] = by_primary
        C.covered[c] = covered
        if by_primary:
            C.kind[c] = PRIMARY
            C.provider[c] = p
        elif main >= 0:
            C.kind[c] = C.vkind[c, main]
            C.provider[c] = C.vprov[c, main]
        else:
            C.kind[c] = NONE
            C.provider[c] = -1
