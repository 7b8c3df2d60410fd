"""Continuity ledger: each client's last 52 weeks of care contacts, kept incrementally.

Recomputing continuity from the whole contact history every week means sorting a
clients x 52 array; this ledger instead updates, week by week, what the indices need,
touching only the clients whose entering contact differs from the leaving one (the
frequencies ``n_i`` of the two workers involved are counted along those rows):

* ``contacts[c, s]``: worker id of client *c*'s contact in ring slot *s* (-1 = none);
* ``top``, ``ntop``: ``max_i n_i`` and how many workers reach it. A change of contact
  moves one worker's ``n_i`` down by one and another's up to ``n_new``, so both update
  in O(1), except when the only worker at the top loses a contact and another could
  tie at the new top: those few rows are recounted (:func:`_top_frequency`);
* ``sumsq``: ``sum_i n_i**2`` (a contact raising ``n_i`` to *m* adds ``2m - 1``);
* ``n``, ``distinct``: contacts and distinct workers in the window;
* ``same``: consecutive contact pairs with the same worker in the window, with
  ``pair_same[c, s]`` marking the pair that starts at slot *s* (dropped when that
  slot leaves the window).

:meth:`indices` returns the same dictionary as :func:`sim.metrics.continuity_rows` on
the chronological history (the tests check this against the pure functions).
"""

from __future__ import annotations

import numpy as np

from sim.metrics import NO_CONTACT

__all__ = ["ContinuityLedger"]


class ContinuityLedger:
    """Ring buffer of ``window`` weeks of contacts for ``n_clients`` clients."""

    def __init__(self, n_clients: int, window: int = 52) -> None:
        if not 0 < window < 256:
            raise ValueError(f"window must be 1-255 weeks, got {window}")
        self.window = window
        self.contacts = np.full((n_clients, window), NO_CONTACT, dtype=np.int32)
        self.pair_same = np.zeros((n_clients, window), dtype=bool)
        self.n = np.zeros(n_clients, dtype=np.int64)
        self.distinct = np.zeros(n_clients, dtype=np.int64)
        self.same = np.zeros(n_clients, dtype=np.int64)
        self.sumsq = np.zeros(n_clients, dtype=np.int64)
        self.top = np.zeros(n_clients, dtype=np.int64)
        self.ntop = np.zeros(n_clients, dtype=np.int64)
        self.last_id = np.full(n_clients, NO_CONTACT, dtype=np.int32)
        self.last_slot = np.zeros(n_clients, dtype=np.int64)
        self.last_week = np.full(n_clients, np.iinfo(np.int64).min // 2, dtype=np.int64)

    def reset(self, rows: np.ndarray) -> None:
        """Forget the history of client places ``rows`` (a new admission)."""
        self.contacts[rows] = NO_CONTACT
        self.pair_same[rows] = False
        self.n[rows] = 0
        self.distinct[rows] = 0
        self.same[rows] = 0
        self.sumsq[rows] = 0
        self.top[rows] = 0
        self.ntop[rows] = 0
        self.last_id[rows] = NO_CONTACT
        self.last_week[rows] = np.iinfo(np.int64).min // 2

    def record(self, week: int, ids: np.ndarray) -> None:
        """Enter week ``week``'s contact of every client (``-1`` = no contact)."""
        s = week % self.window
        ids = ids.astype(np.int32)
        new = ids != NO_CONTACT
        # counts change only where the contact leaving the window differs from the one
        # entering it (for a client with a stable worker they are usually the same)
        r = np.flatnonzero(self.contacts[:, s] != ids)
        if r.size:
            self._replace(r, s, ids[r])
        # consecutive pairs: the pair starting at the leaving slot goes, a new one comes
        self.same -= self.pair_same[:, s]
        self.pair_same[:, s] = False
        in_window = self.last_week > week - self.window
        pair = new & in_window
        same = pair & (self.last_id == ids)
        self.same += same
        p = np.flatnonzero(pair)
        self.pair_same[p, self.last_slot[p]] = same[p]
        self.last_id[new] = ids[new]
        self.last_slot[new] = s
        self.last_week[new] = week

    def _replace(self, r: np.ndarray, s: int, ids: np.ndarray) -> None:
        """Rows ``r``: the contact in slot ``s`` is replaced by a different one, ``ids``."""
        rows = np.take(self.contacts, r, axis=0)
        old = rows[:, s]
        had = old != NO_CONTACT
        new = ids != NO_CONTACT
        # frequency of the leaving id before, and of the entering id after, the change
        # (rows without a leaving/entering contact count -1s here; masked out below)
        n_old = _row_count(rows, old)
        rows[:, s] = ids
        n_new = _row_count(rows, ids)
        self.contacts[r, s] = ids
        n = self.n[r]
        self.n[r] = n + new - had
        self.distinct[r] += (new & (n_new == 1)).astype(np.int64) - (had & (n_old == 1))
        self.sumsq[r] += np.where(new, 2 * n_new - 1, 0) - np.where(had, 2 * n_old - 1, 0)
        # top frequency and how many ids reach it: the leaving id's frequency falls by
        # one, then the entering id's rises to n_new
        top, ntop = self.top[r], self.ntop[r]
        at_top = had & (n_old == top)
        ntop -= at_top
        fell = at_top & (ntop == 0)  # the only id at the top lost a contact
        top -= fell
        # after a fall the leaving id is at the new top; another id is too only if the
        # other n - n_old contacts could reach it; those (few) rows are recounted
        recount = fell & (n - n_old >= n_old - 1) & (n_old > 1)
        ntop[fell] = (n_old[fell] > 1).astype(np.int64)
        up = new & (n_new > top)
        tie = new & (n_new == top) & (n_new > 0)
        top[up] = n_new[up]
        ntop[up] = 1
        ntop += tie
        if recount.any():
            top[recount], ntop[recount] = _top_frequency(rows[recount])
        self.top[r] = top
        self.ntop[r] = ntop

    def history(self, week: int) -> np.ndarray:
        """Contacts in chronological order (oldest first) as of ``week``."""
        order = (np.arange(self.window) + week + 1) % self.window
        return self.contacts[:, order]

    def indices(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-client ``n``, ``coc``, ``upc``, ``secon``, ``distinct`` (NaN where undefined)."""
        sel = slice(None) if rows is None else rows
        n = self.n[sel]
        sumsq = self.sumsq[sel]
        top = self.top[sel]
        nf = n.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            coc = np.where(n >= 2, (sumsq - nf) / (nf * (nf - 1)), np.nan)
            upc = np.where(n >= 1, top / nf, np.nan)
            secon = np.where(n >= 2, self.same[sel] / (nf - 1), np.nan)
        return {"n": n.copy(), "coc": coc, "upc": upc, "secon": secon,
                "distinct": self.distinct[sel].copy()}


def _row_count(rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """How often ``ids[i]`` occurs in ``rows[i]`` (a window is under 256 weeks long)."""
    eq = rows == ids[:, None]
    return np.add.reduce(eq.view(np.uint8), axis=1, dtype=np.uint8).astype(np.int64)


def _top_frequency(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of contacts: the largest frequency of an id, and how many ids reach it.

    Each row is sorted so equal ids form runs; run lengths are the gaps between run
    starts in row-major order (column 0 always starts a run, so no run spans two rows).
    """
    m, width = rows.shape
    a = np.sort(rows, axis=1)
    start = np.ones(a.shape, dtype=bool)
    start[:, 1:] = a[:, 1:] != a[:, :-1]
    first = np.flatnonzero(start)
    length = np.diff(first, append=a.size)
    length[a.ravel()[first] == NO_CONTACT] = 0
    row = first // width
    top = np.zeros(m, dtype=np.int64)
    np.maximum.at(top, row, length)
    at_top = (length == top[row]) & (length > 0)
    return top, np.bincount(row, weights=at_top, minlength=m).astype(np.int64)
