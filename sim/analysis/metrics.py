"""Continuity-of-care indices and a Kaplan–Meier estimator: pure functions, no model state.

Continuity of care
------------------
A client's care history is the chronological sequence of worker ids that served them,
one entry per contact. With ``N`` contacts in all and ``n_i`` of them with worker ``i``:

* **COC** (Bice & Boxerman 1977)::

      COC = (sum_i n_i**2 - N) / (N * (N - 1))

  0 when every contact is with a different worker, 1 when one worker made them all.

* **UPC** (usual provider continuity)::

      UPC = max_i n_i / N

  the share of contacts with the most frequent worker; at least ``1/N``.

* **SECON** (sequential continuity)::

      SECON = #{k : c_k == c_{k+1}, k = 1..N-1} / (N - 1)

  the share of the ``N - 1`` consecutive contact pairs served by the same worker.

* **distinct**: the number of different workers seen.

Conventions for short histories (used by the scalar functions and by
:func:`continuity_rows` alike):

====================  =========  =========  =========  ==========
contacts ``N``        COC        UPC        SECON      distinct
====================  =========  =========  =========  ==========
0                     nan        nan        nan        0
1                     nan        1.0        nan        1
2 or more             formula    formula    formula    formula
====================  =========  =========  =========  ==========

COC and SECON divide by ``N - 1`` and are undefined for a single contact; callers that
average over clients should therefore skip NaNs (``np.nanmean``), which amounts to
averaging over clients with two or more contacts.

:func:`continuity_rows` computes the same indices for many clients at once from a
``(n_clients, W)`` buffer of weekly contacts in which :data:`NO_CONTACT` (``-1``) marks a
week without a contact. Such weeks are skipped, so SECON compares consecutive
*contacts*, not consecutive weeks.

Survival
--------
:func:`kaplan_meier` is the product-limit estimator of the survival function of job
tenure (or any duration)::

    S(t) = prod_{t_j <= t} (1 - d_j / r_j)

where ``d_j`` is the number of events (departures) at time ``t_j`` and ``r_j`` the number
still at risk just before ``t_j``: everyone whose duration is ``>= t_j``. Observations
censored at ``t_j`` therefore still count as at risk at ``t_j`` (events are taken to come
before censorings at tied times, the usual convention).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd

from sim.core.continuity import NO_CONTACT  # re-exported: the marker of the buffers here

__all__ = [
    "NO_CONTACT",
    "coc",
    "continuity_rows",
    "distinct",
    "greenwood_band",
    "kaplan_meier",
    "km_at",
    "secon",
    "survival_curve",
    "upc",
]


# ---------------------------------------------------------------------------
# scalar continuity indices
# ---------------------------------------------------------------------------


def _as_list(contacts: Iterable[int]) -> list[int]:
    """Materialise ``contacts`` (list, tuple, 1-D array, generator) as a list of ids."""
    if isinstance(contacts, np.ndarray):
        if contacts.ndim != 1:
            raise ValueError(f"contacts must be 1-D, got an array of shape {contacts.shape}")
        return contacts.tolist()
    return list(contacts)


def coc(contacts: Iterable[int]) -> float:
    """Bice–Boxerman continuity of care index.

    Parameters
    ----------
    contacts : iterable of int
        Worker ids of a client's contacts in chronological order (order does not
        matter for COC).

    Returns
    -------
    float
        ``(sum_i n_i**2 - N) / (N (N - 1))`` in ``[0, 1]``; ``nan`` when ``N < 2``.

    Examples
    --------
    >>> coc([1, 1, 2, 2])  # (2**2 + 2**2 - 4) / (4 * 3)
    0.3333333333333333
    """
    seq = _as_list(contacts)
    n = len(seq)
    if n < 2:
        return float("nan")
    sum_sq = sum(c * c for c in Counter(seq).values())
    return (sum_sq - n) / (n * (n - 1))


def upc(contacts: Iterable[int]) -> float:
    """Usual provider continuity: the share of contacts with the most frequent worker.

    Parameters
    ----------
    contacts : iterable of int
        Worker ids of a client's contacts.

    Returns
    -------
    float
        ``max_i n_i / N`` in ``[1/N, 1]``; ``1.0`` when ``N == 1``; ``nan`` when ``N == 0``.

    Examples
    --------
    >>> upc([1, 1, 2, 2])
    0.5
    """
    seq = _as_list(contacts)
    if not seq:
        return float("nan")
    return max(Counter(seq).values()) / len(seq)


def secon(contacts: Iterable[int]) -> float:
    """Sequential continuity: share of consecutive contact pairs with the same worker.

    Parameters
    ----------
    contacts : iterable of int
        Worker ids of a client's contacts in chronological order.

    Returns
    -------
    float
        ``#{k : c_k == c_(k+1)} / (N - 1)`` in ``[0, 1]``; ``nan`` when ``N < 2``.

    Examples
    --------
    >>> secon([1, 1, 2, 2])  # pairs 1-1 same, 1-2 different, 2-2 same
    0.6666666666666666
    """
    seq = _as_list(contacts)
    n = len(seq)
    if n < 2:
        return float("nan")
    same = sum(a == b for a, b in pairwise(seq))
    return same / (n - 1)


def distinct(contacts: Iterable[int]) -> int:
    """Number of distinct workers among a client's contacts.

    Parameters
    ----------
    contacts : iterable of int
        Worker ids of a client's contacts.

    Returns
    -------
    int
        Number of different ids; ``0`` for no contacts, ``1`` for one contact.
    """
    return len(set(_as_list(contacts)))


# ---------------------------------------------------------------------------
# vectorised continuity over a client x week buffer
# ---------------------------------------------------------------------------


def continuity_rows(buf: np.ndarray) -> dict[str, np.ndarray]:
    """Continuity indices for every row of a client x week contact buffer, vectorised.

    Parameters
    ----------
    buf : numpy.ndarray of int, shape (n_clients, W)
        Worker id of each client's contact in each week, oldest week first along
        axis 1; :data:`NO_CONTACT` (``-1``) where the client had no contact that week.
        Worker ids are non-negative integers of any size (large ids and separate id
        ranges, e.g. for temporary staff, are fine).

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays of length ``n_clients``:

        ``"n"`` (int64)
            Number of contacts ``N`` (weeks that are not ``-1``).
        ``"coc"``, ``"upc"``, ``"secon"`` (float64)
            As :func:`coc`, :func:`upc`, :func:`secon`, with the same conventions:
            ``nan`` for COC and SECON when ``N < 2``; UPC is ``1.0`` when ``N == 1`` and
            ``nan`` when ``N == 0``.
        ``"distinct"`` (int64)
            Number of distinct workers (0 when ``N == 0``).

    Raises
    ------
    ValueError
        If ``buf`` is not 2-D or holds a value below ``-1``.
    TypeError
        If ``buf`` is not of an integer dtype.

    Notes
    -----
    No Python loop over rows. The cost is about three times that of one ``np.sort``
    along axis 1 (15,000 x 52: about 10 ms on a small shared 2-vCPU VM where the sort
    alone takes 3-4 ms; a per-row loop over the scalar functions takes about 1 s).

    *Frequencies.* Each row is sorted, so equal ids form runs, and the ``-1`` cells
    (smaller than every id) form the first run of the rows that have any. Run starts
    are the cells that differ from their left neighbour, plus column 0, so no run spans
    two rows. In row-major order the run lengths ``n_i`` are the gaps between
    consecutive run starts; ``np.add.reduceat`` / ``np.maximum.reduceat`` over each
    row's runs (with the ``-1`` run zeroed) give ``sum n_i**2`` and ``max n_i``; the
    number of runs, less the ``-1`` run, is ``distinct``.

    *SECON.* Compressing the valid cells in row-major order keeps every row's contacts
    together and in chronological order, with empty weeks skipped. Neighbours in that
    sequence are compared, the comparison that straddles two rows (at each row's last
    contact) is cleared, and ``np.add.reduceat`` from each row's first contact counts
    the equal pairs.
    """
    buf = np.asarray(buf)
    if buf.ndim != 2:
        raise ValueError(f"buf must be 2-D (n_clients, weeks), got shape {buf.shape}")
    if not np.issubdtype(buf.dtype, np.integer):
        raise TypeError(f"buf must hold integer worker ids, got dtype {buf.dtype}")
    n_rows, n_weeks = buf.shape
    nan = np.full(n_rows, np.nan)
    if buf.size == 0:
        zeros = np.zeros(n_rows, dtype=np.int64)
        return {
            "n": zeros,
            "coc": nan,
            "upc": nan.copy(),
            "secon": nan.copy(),
            "distinct": zeros.copy(),
        }

    # --- frequencies n_i: runs of equal ids in each sorted row ----------------------
    srt = np.sort(buf, axis=1)
    row_min = srt[:, 0]
    if row_min.min() < NO_CONTACT:
        raise ValueError(f"worker ids must be >= 0 (and {NO_CONTACT} = no contact)")
    has_empty = row_min == NO_CONTACT  # the row's first run is its empty weeks
    start = np.empty(buf.shape, dtype=bool)
    start[:, 0] = True
    np.not_equal(srt[:, 1:], srt[:, :-1], out=start[:, 1:])
    starts = np.flatnonzero(start)  # row-major: by row, then by position
    del start
    first_run = np.searchsorted(starts, np.arange(0, buf.size, n_weeks))
    runs_per_row = np.diff(first_run, append=starts.size)
    run_len = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=run_len[:-1])
    run_len[-1] = buf.size - starts[-1]
    del starts

    empty_runs = first_run[has_empty]
    n_empty = np.zeros(n_rows, dtype=np.int64)
    n_empty[has_empty] = run_len[empty_runs]
    run_len[empty_runs] = 0  # empty weeks are no worker
    n = n_weeks - n_empty
    n_distinct = (runs_per_row - has_empty).astype(np.int64)
    max_n = np.maximum.reduceat(run_len, first_run)
    np.multiply(run_len, run_len, out=run_len)
    sum_sq = np.add.reduceat(run_len, first_run)
    del srt, row_min, run_len

    # --- SECON: equal neighbouring contacts within a row ----------------------------
    n_total = int(n.sum())
    n_same = np.zeros(n_rows, dtype=np.int64)
    if n_total >= 2:
        ids = buf.reshape(-1).take(np.flatnonzero(buf != NO_CONTACT))  # row-major
        same = np.empty(n_total, dtype=bool)  # same[k]: ids[k] == ids[k + 1], same row
        np.equal(ids[1:], ids[:-1], out=same[:-1])
        last = np.cumsum(n) - 1  # each row's last contact in ids
        nonempty = n > 0
        same[last[nonempty]] = False  # the pair after a row's last contact straddles rows
        first = last[nonempty] - n[nonempty] + 1  # strictly increasing
        n_same[nonempty] = np.add.reduceat(same, first, dtype=np.int64)

    # --- indices with the N < 2 conventions -----------------------------------------
    nf = n.astype(np.float64)
    two_plus = n >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        coc_v = np.where(two_plus, (sum_sq - nf) / (nf * (nf - 1.0)), nan)
        secon_v = np.where(two_plus, n_same / (nf - 1.0), nan)
        upc_v = np.where(n >= 1, max_n / nf, nan)

    return {
        "n": n,
        "coc": coc_v,
        "upc": upc_v,
        "secon": secon_v,
        "distinct": n_distinct,
    }


# ---------------------------------------------------------------------------
# survival
# ---------------------------------------------------------------------------


def kaplan_meier(durations: Iterable[float], events: Iterable[int]) -> pd.DataFrame:
    """Kaplan–Meier (product-limit) estimate of the survival function.

    Parameters
    ----------
    durations : iterable of float
        Observed duration of each spell (e.g. weeks of tenure), ``>= 0``.
    events : iterable of {0, 1} or bool
        ``1`` if the spell ended in the event (the worker left), ``0`` if censored
        (still employed when observation stopped). Same length as ``durations``.

    Returns
    -------
    pandas.DataFrame
        One row per distinct observed time (event or censoring), preceded by a row at
        time 0, with columns:

        ``time``
            The time ``t_j``.
        ``at_risk``
            ``r_j``: number of spells with duration ``>= t_j`` (those censored at
            ``t_j`` included: events come before censorings at tied times).
        ``events``
            ``d_j``: number of events at ``t_j``.
        ``survival``
            ``S(t_j) = prod_{t_k <= t_j} (1 - d_k / r_k)``; a right-continuous step
            function, constant at censoring-only times.

        The first row is ``time = 0`` with everyone at risk and ``survival = 1.0``
        (unless some spells end in an event at duration 0, in which case that row
        carries them). With no observations the table is the single time-0 row with
        ``at_risk = 0`` and ``survival = 1.0``.

    Raises
    ------
    ValueError
        If the lengths differ, a duration is negative or not finite, or an event flag is
        not 0/1.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> km["survival"].round(3).tolist()
    [1.0, 0.8, 0.6, 0.3, 0.3]
    """
    t = np.asarray(durations if isinstance(durations, np.ndarray) else list(durations))
    e = np.asarray(events if isinstance(events, np.ndarray) else list(events))
    if t.ndim != 1 or e.ndim != 1:
        raise ValueError("durations and events must be 1-D")
    if t.shape != e.shape:
        raise ValueError(f"durations ({t.size}) and events ({e.size}) differ in length")
    if t.size and (not np.all(np.isfinite(t)) or np.any(t < 0)):
        raise ValueError("durations must be finite and >= 0")
    if e.size and not np.all((e == 0) | (e == 1)):
        raise ValueError("events must be 0 (censored) or 1 (event)")
    e = e.astype(np.int64)

    times, inverse = np.unique(t, return_inverse=True)
    d = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    total = np.bincount(inverse, minlength=times.size)
    # at risk at t_j = everyone whose duration is >= t_j
    at_risk = (t.size - (np.cumsum(total) - total)).astype(np.int64)

    if times.size == 0 or times[0] != 0:
        times = np.concatenate((np.zeros(1, dtype=times.dtype), times))
        d = np.concatenate(([0], d))
        at_risk = np.concatenate(([t.size], at_risk))

    survival = np.cumprod(1.0 - d / np.maximum(at_risk, 1))
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(np.int64),
            "events": d.astype(np.int64),
            "survival": survival,
        }
    )


def survival_curve(spells: pd.DataFrame) -> pd.DataFrame:
    """:func:`kaplan_meier` of spells with columns ``duration_weeks`` and ``event``, such as
    :meth:`sim.core.model.WorkforceModel.survival_data` returns (one run's new hires)."""
    return kaplan_meier(spells["duration_weeks"], spells["event"])


def greenwood_band(km: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95 % band of a Kaplan–Meier table (Greenwood variance), clipped to 0-1."""
    r = km["at_risk"].to_numpy(float)
    d = km["events"].to_numpy(float)
    s = km["survival"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where((r > d) & (r > 0), d / (r * (r - d)), 0.0)
    se = s * np.sqrt(np.cumsum(term))
    return np.clip(s - 1.96 * se, 0, 1), np.clip(s + 1.96 * se, 0, 1)


def km_at(km: pd.DataFrame, t: float) -> tuple[float, float, float]:
    """Survival at time ``t`` of a Kaplan–Meier table, with its 95 % Greenwood band
    (:func:`greenwood_band`): ``(survival, low, high)``."""
    lo, hi = greenwood_band(km)
    i = int(np.searchsorted(km["time"].to_numpy(float), t, side="right")) - 1
    i = max(i, 0)
    return float(km["survival"].iloc[i]), float(lo[i]), float(hi[i])
