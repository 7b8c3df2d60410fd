"""Continuity ledger: each client's last 52 weeks of care contacts, kept incrementally.

Recomputing continuity from the whole contact history every week means sorting a
clients x 52 array; this ledger instead updates, week by week, what the indices need:

* ``contacts[c, s]``: worker id of client *c*'s contact in ring slot *s* (-1 = none);
* ``count[c, s]``: how many of *c*'s contacts in the window share that worker id;
* ``top``: ``max_i n_i`` (recomputed from ``count`` for the rows that change);
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
        self.window = window
        self.contacts = np.full((n_clients, window), NO_CONTACT, dtype=np.int32)
        self.count = np.zeros((n_clients, window), dtype=np.int32)
        self.pair_same = np.zeros((n_clients, window), dtype=bool)
        self.n = np.zeros(n_clients, dtype=np.int64)
        self.distinct = np.zeros(n_clients, dtype=np.int64)
        self.same = np.zeros(n_clients, dtype=np.int64)
        self.sumsq = np.zeros(n_clients, dtype=np.int64)
        self.top = np.zeros(n_clients, dtype=np.int64)
        self.last_id = np.full(n_clients, NO_CONTACT, dtype=np.int32)
        self.last_slot = np.zeros(n_clients, dtype=np.int64)
        self.last_week = np.full(n_clients, np.iinfo(np.int64).min // 2, dtype=np.int64)

    def reset(self, rows: np.ndarray) -> None:
        """Forget the history of client places ``rows`` (a new admission)."""
        self.contacts[rows] = NO_CONTACT
        self.count[rows] = 0
        self.pair_same[rows] = False
        self.n[rows] = 0
        self.distinct[rows] = 0
        self.same[rows] = 0
        self.sumsq[rows] = 0
        self.top[rows] = 0
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
        """Rows ``r``: the contact in slot ``s`` is replaced by ``ids`` (counts updated)."""
        contacts = self.contacts[r]
        count = self.count[r]
        old = contacts[:, s]
        had = old != NO_CONTACT
        new = ids != NO_CONTACT
        # the oldest week leaves; -2 never occurs, so rows without a contact match nothing
        n_old = count[:, s].astype(np.int64)
        count -= contacts == np.where(had, old, -2)[:, None]
        # the new week enters
        contacts[:, s] = ids
        count[:, s] = 0
        eq_new = contacts == np.where(new, ids, -2)[:, None]
        count += eq_new
        n_new = eq_new.view(np.uint8).sum(axis=1, dtype=np.int64)
        count[:, s] = n_new
        self.contacts[r] = contacts
        self.count[r] = count
        self.n[r] += new.astype(np.int64) - had
        self.distinct[r] += (new & (n_new == 1)).astype(np.int64) - (had & (n_old == 1))
        self.sumsq[r] += np.where(new, 2 * n_new - 1, 0) - np.where(had, 2 * n_old - 1, 0)
        self.top[r] = count.max(axis=1)

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
