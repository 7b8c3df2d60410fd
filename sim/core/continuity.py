"""Continuity ledger: each client's visits of the last 52 weeks, kept incrementally.

Care is delivered as visits (or shifts), up to ``VISITS_MAX`` a week
(:mod:`sim.core.phases.assignment`). The ledger keeps, for two windows at once (the last
26 weeks and the last 52 weeks, :data:`WINDOWS`), what the continuity indices need, and
updates it week by week: the week that leaves each window is taken out and the new week
put in, so no week recounts a client's whole history.

* A week is kept as its **runs**: the visits in order, consecutive visits by the same
  worker (or missed ones) as one run, packed in one 64-bit number (:func:`pack_run`: the
  worker id, the run's length and an overflow flag). Ring slot ``s = t mod 52`` holds a
  week: client *c*'s ``wk[s, c, 0]`` runs from ``runs[slot_row[s], run_at[s, c]]`` on,
  every client's runs one after the other in one row of ``runs`` (a week usually has one
  to three runs a client, so a week of every client is a short block of memory, read
  and written in order). The new week is written to the spare row
  (``slot_row[52]``), which then takes the place of the week it replaces. The work per
  week follows the runs, not the visits. :meth:`ContinuityLedger.history` expands them
  again.
* ``tab_id[c, e]`` and ``tab_cnt[c, e, w]``: the workers (other than temp agency staff)
  client *c* saw in the last 52 weeks and their number of visits ``n_i`` in window *w*,
  packed in the first ``used[c]`` entries (an entry goes when its 52-week count is 0).
  A run of ``r`` visits raising ``n_i`` from *m* to *m + r* adds ``(m + r)**2 - m**2``
  to ``sumsq``;
* ``n[w, c]``, ``sumsq[w, c] = sum_i n_i**2``, ``distinct[w, c]`` and ``top[w, c] =
  max_i n_i`` per window;
* ``same[w, c]``: consecutive made visits with the same worker whose first visit is in
  the window (missed visits are skipped), with ``wk[s, c, 1]`` counting the pairs
  that start in slot *s* (a pair across weeks is added to the earlier week's slot when
  the later week is recorded);
* ``missed[w, c]``: missed visits in the window (``wk[s, c, 2]`` per week).

The counts are small integers (at most 52 weeks of ``VISITS_MAX`` visits), so a client's
counts fit one 64-byte row of 32-bit numbers (``stats``), its table's first entries one
row of 32-bit ids and one of 16-bit counts, and a week's run count, pairs and missed
visits one 8-byte entry: a week touches a few cache lines per client, which is what
the ledger's speed depends on.

A client whose new week has the same runs as a week leaving a window (no temp staff)
keeps that window's worker counts as they are; only pairs and missed visits change.

Temp agency staff are a new face at every visit (ids from
:data:`sim.core.state.AGENCY_ID_BASE` up): each such visit counts once in ``n``,
``sumsq`` and ``distinct`` and needs no table entry. A client who sees more than
``TABLE`` other workers in 52 weeks has the extra ones counted the same way (a new
face at each visit, ``overflow``), which can only lower their indices; no test or
scenario of the project comes near it.

:meth:`ContinuityLedger.indices` returns the same dictionary as
:func:`sim.analysis.metrics.continuity_rows` on the chronological visit history
(:meth:`ContinuityLedger.history`; the tests check this against the pure functions).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import AGENCY_ID_BASE, CONTACT_WINDOW, SHORT_WINDOW

__all__ = [
    "NO_CONTACT",
    "TABLE",
    "WINDOWS",
    "ContinuityLedger",
    "LedgerArrays",
    "forget",
    "pack_run",
    "pack_visits",
    "record_runs",
    "record_visits",
    "rotate",
]

#: Worker id marking "no visit" in a slot (and in the buffers passed to
#: :func:`sim.analysis.metrics.continuity_rows`).
NO_CONTACT: int = -1

#: The two continuity windows, in weeks: index 0 is 6 months, index 1 is 12 months.
WINDOWS: tuple[int, int] = (SHORT_WINDOW, CONTACT_WINDOW)

#: Most workers (other than temp agency staff) one client's table holds.
TABLE = 48

#: ``last_week`` of a client with no visit yet (far before any window).
NEVER = np.iinfo(np.int32).min // 2

#: The columns of a client's row of counts (``ContinuityLedger.stats``): each count of
#: both windows (``n0``: 26 weeks, ``n1``: 52 weeks), the table's entries in use, and
#: the last visit's worker id, ring slot and week.
_STATS = indices(
    (
        "n0",
        "n1",
        "sumsq0",
        "sumsq1",
        "distinct0",
        "distinct1",
        "top0",
        "top1",
        "same0",
        "same1",
        "missed0",
        "missed1",
        "used",
        "last_id",
        "last_slot",
        "last_week",
    ),
    "LedgerStats",
)

#: A packed run (:func:`pack_run`): the worker id + 1 in the low 32 bits (0 for missed
#: visits), the run's length from bit 32, and ``_OVERFLOW`` set when the run's worker
#: found the client's table full (then counted as a new face at each visit).
_ID_MASK = (1 << 32) - 1
_LEN_SHIFT = 32
_LEN_MASK = (1 << 16) - 1
_OVERFLOW = 1 << 48


class ContinuityLedger:
    """Ring buffer of 52 weeks of up to ``visits`` visits a week for ``n_clients`` clients."""

    def __init__(self, n_clients: int, visits: int, window: int = CONTACT_WINDOW) -> None:
        if window != CONTACT_WINDOW:
            raise ValueError(f"window must be {CONTACT_WINDOW} weeks, got {window}")
        n = n_clients
        self.window = window
        self.visits = visits
        # one row of runs per week (and a spare one for the next week), every client's
        # one after the other: where a client's start, and which row holds each slot
        self.runs = np.zeros((window + 1, n * visits), dtype=np.int64)
        self.run_at = np.zeros((window, n), dtype=np.int32)
        self.slot_row = np.arange(window + 1, dtype=np.int64)
        # each week's number of runs, pairs and missed visits, side by side (and a spare)
        self.wk = np.zeros((window, n, 4), dtype=np.int16)
        self.tab_id = np.full((n, TABLE), NO_CONTACT, dtype=np.int32)
        self.tab_cnt = np.zeros((n, TABLE, 2), dtype=np.int16)
        # every per-client count in one row per client (one cache line a client); the
        # named arrays below are views into it, [window, client] for the counts
        self.stats = np.zeros((n, len(_STATS)), dtype=np.int32)
        self.stats[:, _STATS.last_id] = NO_CONTACT
        self.stats[:, _STATS.last_week] = NEVER
        self._views()

    def _views(self) -> None:
        st = self.stats
        self.nruns = self.wk[:, :, 0]
        self.wk_pairs = self.wk[:, :, 1]
        self.wk_missed = self.wk[:, :, 2]
        for name in ("n", "sumsq", "distinct", "top", "same", "missed"):
            i = getattr(_STATS, name + "0")
            setattr(self, name, st[:, i : i + 2].T)
        for name in ("used", "last_id", "last_slot", "last_week"):
            setattr(self, name, st[:, getattr(_STATS, name)])
        self.arrays = LedgerArrays(*(getattr(self, f) for f in LedgerArrays._fields))

    def __deepcopy__(self, memo: dict) -> ContinuityLedger:
        """A copy whose named arrays are views into its own ``stats`` and ``wk`` again."""
        new = object.__new__(ContinuityLedger)
        for name in ("window", "visits"):
            setattr(new, name, getattr(self, name))
        for name in ("runs", "run_at", "slot_row", "wk", "tab_id", "tab_cnt", "stats"):
            setattr(new, name, getattr(self, name).copy())
        new._views()
        memo[id(self)] = new
        return new

    def reset(self, rows: np.ndarray) -> None:
        """Forget the history of client places ``rows`` (a new admission)."""
        forget(self.arrays, np.asarray(rows, dtype=np.int64))

    def record(self, week: int, ids: np.ndarray, scheduled: np.ndarray | None = None) -> None:
        """Enter week ``week``'s visits of every client: ``ids[c, j]`` is the worker id of
        visit *j* (``-1`` = missed or none); ``scheduled[c]`` the visits planned (default:
        the number of ids that are not -1, i.e. none missed)."""
        ids = np.asarray(ids, dtype=np.int32)
        if ids.ndim == 1:
            ids = ids[:, None]
        full = np.full((ids.shape[0], self.visits), NO_CONTACT, dtype=np.int32)
        full[:, : ids.shape[1]] = ids
        if scheduled is None:
            scheduled = np.count_nonzero(full != NO_CONTACT, axis=1)
        record_visits(self.arrays, week, full, np.asarray(scheduled, dtype=np.int64))

    def history(self, week: int, window: int = CONTACT_WINDOW) -> np.ndarray:
        """Visits of the last ``window`` weeks (26 or 52) in chronological order (oldest
        first), one row per client (``-1`` = no visit)."""
        if window not in WINDOWS:
            raise ValueError(f"window must be one of {WINDOWS} weeks, got {window}")
        order = (np.arange(CONTACT_WINDOW - window, CONTACT_WINDOW) + week + 1) % CONTACT_WINDOW
        h = np.full((self.stats.shape[0], window, self.visits), NO_CONTACT, dtype=np.int32)
        _expand(self.arrays, order, 0, h)
        return h.reshape(h.shape[0], -1)

    def visits_in(self, week: int, row: int) -> np.ndarray:
        """Client ``row``'s visits in week ``week`` (one of the last 52 recorded), in
        order, ``visits`` places (-1 = no visit or a missed one)."""
        slot = week % CONTACT_WINDOW
        out = np.full((1, 1, self.visits), NO_CONTACT, dtype=np.int32)
        _expand(self.arrays, np.array([slot]), row, out)
        return out[0, 0]

    def indices(
        self, rows: np.ndarray | None = None, window: int = CONTACT_WINDOW
    ) -> dict[str, np.ndarray]:
        """Per-client ``n``, ``coc``, ``upc``, ``secon``, ``distinct`` (NaN where
        undefined) and ``missed`` over the last ``window`` weeks (26 or 52)."""
        if window not in WINDOWS:
            raise ValueError(f"window must be one of {WINDOWS} weeks, got {window}")
        w = WINDOWS.index(window)
        sel = slice(None) if rows is None else rows
        n = self.n[w, sel].astype(np.int64)
        sumsq = self.sumsq[w, sel].astype(np.int64)
        top = self.top[w, sel]
        nf = n.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            coc = np.where(n >= 2, (sumsq - nf) / (nf * (nf - 1)), np.nan)
            upc = np.where(n >= 1, top / nf, np.nan)
            secon = np.where(n >= 2, self.same[w, sel] / (nf - 1), np.nan)
        return {
            "n": n,
            "coc": coc,
            "upc": upc,
            "secon": secon,
            "distinct": self.distinct[w, sel].astype(np.int64),
            "missed": self.missed[w, sel].astype(np.int64),
        }


LedgerArrays = namedtuple(  # type: ignore[misc]
    "LedgerArrays",
    [
        "runs",
        "run_at",
        "slot_row",
        "wk",
        "tab_id",
        "tab_cnt",
        "stats",
        "n",
        "sumsq",
        "distinct",
        "top",
        "same",
        "missed",
        "used",
        "last_id",
        "last_slot",
        "last_week",
    ],
)


@kernel
def forget(L, rows):  # pragma: no cover (compiled)
    """Forget the history of client places ``rows`` (ledger arrays ``L``)."""
    for c in rows:
        L.wk[:, c, :] = 0  # no runs in any week (what they were is left, unread)
        L.run_at[:, c] = 0
        L.tab_id[c, :] = NO_CONTACT
        L.tab_cnt[c, :, :] = 0
        L.stats[c, :] = 0
        L.stats[c, _STATS.last_id] = NO_CONTACT
        L.stats[c, _STATS.last_week] = NEVER


@kernel
def pack_run(wid, r):  # pragma: no cover (compiled)
    """A run of ``r`` visits by worker id ``wid`` (-1: missed) as one 64-bit number: ``wid
    + 1`` in the low 32 bits, ``r`` from bit 32 (the overflow flag, bit 48, is set later
    by :func:`_enter`). Staffing (:mod:`sim.core.phases.assignment`) writes each client's
    week this way as it makes the visits."""
    return np.int64(wid + 1) | (np.int64(r) << _LEN_SHIFT)


@kernel
def _run_id(x):  # pragma: no cover (compiled)
    """The worker id of packed run ``x`` (-1: missed visits)."""
    return np.int64(x & _ID_MASK) - 1


@kernel
def _run_len(x):  # pragma: no cover (compiled)
    """The number of visits in packed run ``x``."""
    return (x >> _LEN_SHIFT) & _LEN_MASK


@kernel
def _find(tab_id, used, c, wid):  # pragma: no cover (compiled)
    """Entry of worker id ``wid`` among the ``used`` entries of client ``c``'s table, or
    -1."""
    for e in range(used):
        if tab_id[c, e] == wid:
            return e
    return -1


@kernel
def _expand(L, order, first, out):  # pragma: no cover (compiled)
    """Write the visits of ring slots ``order`` (oldest first) of clients ``first``,
    ``first + 1``, ... into ``out[c - first, k, j]``."""
    for k in range(order.size):
        s = order[k]
        row = L.slot_row[s]
        for i in range(out.shape[0]):
            c = first + i
            j = 0
            at = L.run_at[s, c]
            for q in range(L.wk[s, c, 0]):
                x = L.runs[row, at + q]
                for _ in range(_run_len(x)):
                    out[i, k, j] = _run_id(x)
                    j += 1


@kernel
def _leave(week_runs, at, wk, tab_id, tab_cnt, st, c, w, slot):  # pragma: no cover (compiled)
    """The week in ring ``slot`` (its runs ``week_runs``, client ``c``'s from ``at`` on)
    leaves window ``w`` of client ``c``, run by run: ``r`` visits lowering ``n_i`` from
    *m* to *m - r* remove ``m**2 - (m - r)**2``. (``st`` is the ledger's ``stats``; the
    arrays are passed one by one because a call copies what it is passed, and the named
    tuple is large.)"""
    for q in range(wk[slot, c, 0]):
        x = week_runs[at + q]
        wid = _run_id(x)
        if wid == NO_CONTACT:
            continue
        r = _run_len(x)
        st[c, _STATS.n0 + w] -= r
        used = st[c, _STATS.used]
        new_face = wid >= AGENCY_ID_BASE or (x & _OVERFLOW) != 0
        e = -1 if new_face else _find(tab_id, used, c, wid)
        if e < 0:  # a new face at each visit
            st[c, _STATS.sumsq0 + w] -= r
            st[c, _STATS.distinct0 + w] -= r
            continue
        m = np.int64(tab_cnt[c, e, w])
        st[c, _STATS.sumsq0 + w] -= m * m - (m - r) * (m - r)
        st[c, _STATS.distinct0 + w] -= m == r
        tab_cnt[c, e, w] = m - r
        if w == 1 and m == r:  # gone from the 52 weeks (so from the 26): free it
            last = used - 1
            tab_id[c, e] = tab_id[c, last]
            tab_cnt[c, e, 0] = tab_cnt[c, last, 0]
            tab_cnt[c, e, 1] = tab_cnt[c, last, 1]
            tab_id[c, last] = NO_CONTACT
            tab_cnt[c, last, 0] = 0
            tab_cnt[c, last, 1] = 0
            st[c, _STATS.used] = last
    st[c, _STATS.same0 + w] -= wk[slot, c, 1]
    st[c, _STATS.missed0 + w] -= wk[slot, c, 2]


@kernel
def _same_runs(new, a, k, week_runs, at, stored):  # pragma: no cover (compiled)
    """Whether the packed runs ``new[a : a + k]`` are the ``stored`` runs of a week from
    ``week_runs[at]`` on, none of them temp agency staff (new ids each visit) nor an
    overflow (a stored run with the overflow flag never equals a new one)."""
    if stored != k:
        return False
    for q in range(k):
        x = new[a + q]
        if x != week_runs[at + q] or _run_id(x) >= AGENCY_ID_BASE:
            return False
    return True


@kernel
def _enter(week_runs, at, k, tab_id, tab_cnt, st, c, w):  # pragma: no cover (compiled)
    """Client ``c``'s ``k`` runs of a week, from ``week_runs[at]`` on, enter window ``w``
    only (or both when ``w`` is 2); a run whose worker finds the table full is marked
    (``_OVERFLOW``) where it is stored."""
    for q in range(k):
        x = week_runs[at + q]
        wid = _run_id(x)
        if wid == NO_CONTACT:
            continue
        r = _run_len(x)
        e = -1
        if wid < AGENCY_ID_BASE:
            used = st[c, _STATS.used]
            e = _find(tab_id, used, c, wid)
            if e < 0 and used < tab_id.shape[1]:
                e = used
                tab_id[c, e] = wid
                st[c, _STATS.used] = e + 1
            elif e < 0:
                week_runs[at + q] = x | _OVERFLOW
        for v in range(2):
            if w != 2 and v != w:
                continue
            st[c, _STATS.n0 + v] += r
            if e < 0:  # temp agency staff (or a full table): a new face each visit
                st[c, _STATS.sumsq0 + v] += r
                st[c, _STATS.distinct0 + v] += r
            else:
                m = np.int64(tab_cnt[c, e, v])
                tab_cnt[c, e, v] = m + r
                st[c, _STATS.sumsq0 + v] += (m + r) * (m + r) - m * m
                st[c, _STATS.distinct0 + v] += m == 0


@kernel
def pack_visits(ids, runs, at, nruns):  # pragma: no cover (compiled)
    """Each client's visits ``ids[c, j]`` (worker ids, -1 = none) as packed runs, every
    client's after the previous one's: client *c*'s ``nruns[c]`` runs from ``runs[at[c]]``
    on. Consecutive visits by the same worker (or missed ones) are one run; the places
    without a visit after the last visit made are no run."""
    per = ids.shape[1]
    k = 0
    for c in range(ids.shape[0]):
        at[c] = k
        j = 0
        while j < per:
            wid = ids[c, j]
            r = 1
            while j + r < per and ids[c, j + r] == wid:
                r += 1
            j += r
            if wid == NO_CONTACT and j == per:
                break  # trailing places without a visit
            runs[k] = pack_run(wid, r)
            k += 1
        nruns[c] = k - at[c]


@kernel
def record_visits(L, week, ids, scheduled):  # pragma: no cover (compiled)
    """Week ``week``'s visits ``ids[c, j]`` (worker ids, -1 = none) into the ledger
    (:func:`record_runs`); ``scheduled[c]``: visits planned (the ones without an id were
    missed)."""
    runs = np.empty(ids.size, dtype=np.int64)
    at = np.empty(ids.shape[0], dtype=np.int64)
    nruns = np.empty(ids.shape[0], dtype=np.int64)
    pack_visits(ids, runs, at, nruns)
    record_runs(L, week, runs, at, nruns, scheduled, 0, ids.shape[0])
    rotate(L, week)


@kernel
def record_runs(L, week, new, at_new, nnew, scheduled, lo, hi):  # pragma: no cover (compiled)
    """Week ``week``'s visits of clients ``lo`` to ``hi - 1``, client *c*'s as the
    ``nnew[c]`` packed runs from ``new[at_new[c]]`` on (:func:`pack_visits`), enter ring
    slot ``week % 52``; the week 26 weeks back leaves the short window and the week 52
    back the long one. ``scheduled[c]``: visits planned (the ones in no run, or in a run
    of missed visits, were missed). The runs are copied to the same places of the spare
    row of runs, which :func:`rotate` then puts in the place of the week 52 back, once
    every client is recorded. A client's rows are their own, so ranges of clients may be
    recorded at the same time, in any order.
    """
    wk, tab_id, tab_cnt, st, run_at = L.wk, L.tab_id, L.tab_cnt, L.stats, L.run_at
    ring = wk.shape[0]
    short = WINDOWS[0]
    s = week % ring
    s_short = (week - short) % ring
    long_runs = L.runs[L.slot_row[s]]  # the week leaving the long window
    short_runs = L.runs[L.slot_row[s_short]]  # ... and the short one
    week_runs = L.runs[L.slot_row[ring]]  # the spare row: this week's
    for c in range(lo, hi):
        a = at_new[c]
        k = nnew[c]
        # the visits made; the pairs of consecutive made visits by the same worker
        made = 0
        within = 0
        first = NO_CONTACT
        prev = NO_CONTACT
        for q in range(a, a + k):
            wid = _run_id(new[q])
            if wid == NO_CONTACT:
                continue
            r = _run_len(new[q])
            made += r
            if wid < AGENCY_ID_BASE:
                within += r - 1 + (wid == prev)
            if first == NO_CONTACT:
                first = wid
            prev = wid
        at_long = run_at[s, c]
        at_short = run_at[s_short, c]
        keep_long = _same_runs(new, a, k, long_runs, at_long, wk[s, c, 0])
        keep_short = _same_runs(new, a, k, short_runs, at_short, wk[s_short, c, 0])
        if keep_short:
            st[c, _STATS.same0] -= wk[s_short, c, 1]
            st[c, _STATS.missed0] -= wk[s_short, c, 2]
        else:
            _leave(short_runs, at_short, wk, tab_id, tab_cnt, st, c, 0, s_short)
        if keep_long:
            st[c, _STATS.same1] -= wk[s, c, 1]
            st[c, _STATS.missed1] -= wk[s, c, 2]
        else:
            _leave(long_runs, at_long, wk, tab_id, tab_cnt, st, c, 1, s)
        for q in range(a, a + k):
            week_runs[q] = new[q]
        run_at[s, c] = a
        wk[s, c, 0] = k
        if not (keep_short and keep_long):
            w = 2 if not (keep_short or keep_long) else (1 if keep_short else 0)
            _enter(week_runs, a, k, tab_id, tab_cnt, st, c, w)
        missed = max(scheduled[c] - made, 0)
        wk[s, c, 2] = missed
        wk[s, c, 1] = within
        st[c, _STATS.missed0] += missed
        st[c, _STATS.missed1] += missed
        st[c, _STATS.same0] += within
        st[c, _STATS.same1] += within
        if made:
            # the pair across weeks: the last visit before this week and the first of it
            last_week = st[c, _STATS.last_week]
            if (
                first == st[c, _STATS.last_id]
                and first < AGENCY_ID_BASE
                and last_week > week - ring
            ):
                wk[st[c, _STATS.last_slot], c, 1] += 1
                st[c, _STATS.same1] += 1
                if last_week > week - short:
                    st[c, _STATS.same0] += 1
            st[c, _STATS.last_id] = prev
            st[c, _STATS.last_slot] = s
            st[c, _STATS.last_week] = week
        if keep_short and keep_long:
            continue  # no count changed, nor the tops
        used = st[c, _STATS.used]
        for w in range(2):
            top = 1 if st[c, _STATS.n0 + w] > 0 else 0
            for e in range(used):
                top = max(top, np.int64(tab_cnt[c, e, w]))
            st[c, _STATS.top0 + w] = top


@kernel
def rotate(L, week):  # pragma: no cover (compiled)
    """Once week ``week`` is recorded (:func:`record_runs`), its row of runs (the spare
    one) takes the place of the week 52 back, whose row becomes the spare one."""
    s = week % L.wk.shape[0]
    spare = L.wk.shape[0]
    L.slot_row[s], L.slot_row[spare] = L.slot_row[spare], L.slot_row[s]
