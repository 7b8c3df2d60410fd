"""Continuity ledger: each client's last 52 weeks of care contacts, kept incrementally.

Recomputing continuity from the whole contact history every week means sorting a
clients x 52 array; this ledger instead updates, week by week, what the indices need,
touching only the clients whose entering contact differs from the leaving one (the
frequencies ``n_i`` of the two workers involved are counted along those rows):

* ``contacts[c, s]``: worker id of client *c*'s contact in ring slot *s* (-1 = none);
* ``top``, ``ntop``: ``max_i n_i`` and how many workers reach it. A change of contact
  moves one worker's ``n_i`` down by one and another's up to ``n_new``, so both update
  in O(1), except when the only worker at the top loses a contact and another could
  tie at the new top: those few rows are recounted (:func:`_ids_with_count`);
* ``sumsq``: ``sum_i n_i**2`` (a contact raising ``n_i`` to *m* adds ``2m - 1``);
* ``n``, ``distinct``: contacts and distinct workers in the window;
* ``same``: consecutive contact pairs with the same worker in the window, with
  ``pair_same[c, s]`` marking the pair that starts at slot *s* (dropped when that
  slot leaves the window).

:meth:`indices` returns the same dictionary as :func:`sim.analysis.metrics.continuity_rows` on
the chronological history (the tests check this against the pure functions).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.core.jit import kernel

__all__ = ["NO_CONTACT", "ContinuityLedger", "LedgerArrays", "forget", "record_contacts"]

#: Worker id marking "no contact" in a ring slot (and in the buffers passed to
#: :func:`sim.analysis.metrics.continuity_rows`).
NO_CONTACT: int = -1

#: ``last_week`` of a client with no contact yet (far before any window).
NEVER = np.iinfo(np.int64).min // 2


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
        self.last_week = np.full(n_clients, NEVER, dtype=np.int64)
        self.arrays = LedgerArrays(*(getattr(self, f) for f in LedgerArrays._fields))

    def reset(self, rows: np.ndarray) -> None:
        """Forget the history of client places ``rows`` (a new admission)."""
        forget(self.arrays, np.asarray(rows, dtype=np.int64))

    def record(self, week: int, ids: np.ndarray) -> None:
        """Enter week ``week``'s contact of every client (``-1`` = no contact)."""
        record_contacts(self.arrays, week, np.asarray(ids, dtype=np.int32))

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
        return {
            "n": n.copy(),
            "coc": coc,
            "upc": upc,
            "secon": secon,
            "distinct": self.distinct[sel].copy(),
        }


LedgerArrays = namedtuple(  # type: ignore[misc]
    "LedgerArrays",
    [
        "contacts",
        "pair_same",
        "n",
        "distinct",
        "same",
        "sumsq",
        "top",
        "ntop",
        "last_id",
        "last_slot",
        "last_week",
    ],
)


@kernel
def forget(L, rows):  # pragma: no cover (compiled)
    """Forget the history of client places ``rows`` (ledger arrays ``L``)."""
    for c in rows:
        L.contacts[c, :] = NO_CONTACT
        L.pair_same[c, :] = False
        L.n[c] = 0
        L.distinct[c] = 0
        L.same[c] = 0
        L.sumsq[c] = 0
        L.top[c] = 0
        L.ntop[c] = 0
        L.last_id[c] = NO_CONTACT
        L.last_week[c] = NEVER


@kernel
def record_contacts(L, week, ids):  # pragma: no cover (compiled)
    """One week's contacts ``ids`` enter ring slot ``week % W``; the oldest week leaves."""
    contacts, n, distinct, top, ntop = L.contacts, L.n, L.distinct, L.top, L.ntop
    width = contacts.shape[1]
    s = week % width
    for c in range(contacts.shape[0]):
        new = ids[c]
        old = contacts[c, s]
        if old != new:  # frequencies change only where the entering contact differs
            n_old = 0  # frequency of the leaving id, before
            n_new = 1  # frequency of the entering id, after
            for j in range(width):
                v = contacts[c, j]
                if v == old:
                    n_old += 1
                elif v == new:
                    n_new += 1
            contacts[c, s] = new
            if old != NO_CONTACT:
                n[c] -= 1
                distinct[c] -= n_old == 1
                L.sumsq[c] -= 2 * n_old - 1
                if n_old == top[c]:  # the leaving id was at the top
                    ntop[c] -= 1
                    if ntop[c] == 0:  # ... alone: the top falls by one
                        top[c] -= 1
                        ntop[c] = 1 if n_old > 1 else 0
                        # another id may tie at the new top if the rest could reach it
                        if n_old > 1 and n[c] + 1 - n_old >= n_old - 1:
                            ntop[c] = _ids_with_count(contacts[c], new, n_old - 1)
            if new != NO_CONTACT:
                n[c] += 1
                distinct[c] += n_new == 1
                L.sumsq[c] += 2 * n_new - 1
                if n_new > top[c]:
                    top[c] = n_new
                    ntop[c] = 1
                elif n_new == top[c]:
                    ntop[c] += 1
        # consecutive pairs: the pair starting at the leaving slot goes, a new one comes
        if L.pair_same[c, s]:
            L.same[c] -= 1
            L.pair_same[c, s] = False
        if new != NO_CONTACT:
            if L.last_week[c] > week - width and L.last_id[c] == new:
                L.same[c] += 1
                L.pair_same[c, L.last_slot[c]] = True
            L.last_id[c] = new
            L.last_slot[c] = s
            L.last_week[c] = week


@kernel
def _ids_with_count(row, new, k):  # pragma: no cover (compiled)
    """How many ids have frequency ``k`` in ``row``, not counting the ``new`` id's entry.

    ``row`` already holds ``new`` in the slot the leaving id had; sorted, equal ids form
    runs whose lengths are the frequencies.
    """
    values = np.sort(row)
    found = 0
    run = 0
    for j in range(values.size):
        run = run + 1 if j > 0 and values[j] == values[j - 1] else 1
        end = j == values.size - 1 or values[j + 1] != values[j]
        if end and values[j] != NO_CONTACT:
            freq = run - 1 if values[j] == new else run  # ``new`` has not entered yet
            found += freq == k
    return found
