"""The incremental continuity ledger agrees with the pure functions of sim.analysis.metrics,
over visits and for both windows (6 and 12 months)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import WorkforceModel
from sim.analysis.metrics import continuity_rows
from sim.core.continuity import WINDOWS, ContinuityLedger
from sim.core.state import AGENCY_ID_BASE


def check(ledger: ContinuityLedger, week: int) -> None:
    for window in WINDOWS:
        want = continuity_rows(ledger.history(week, window))
        got = ledger.indices(window=window)
        for key in ("n", "coc", "upc", "secon", "distinct"):
            np.testing.assert_allclose(
                got[key].astype(float), want[key].astype(float), err_msg=f"{key}, {window}"
            )


def test_ledger_matches_recomputation_on_random_visits():
    rng = np.random.default_rng(0)
    n, per = 60, 4
    ledger = ContinuityLedger(n, per)
    missed_total = np.zeros(n, dtype=np.int64)
    for week in range(130):
        ids = rng.integers(0, 5, (n, per)) * 1000  # few workers, many repeats
        scheduled = rng.integers(0, per + 1, n)
        ids[np.arange(per)[None, :] >= scheduled[:, None]] = -1  # fewer visits this week
        gone = (rng.random((n, per)) < 0.2) & (ids >= 0)
        ids[gone] = -1  # missed visits
        temp = (rng.random((n, per)) < 0.1) & (ids >= 0)  # temp staff: a new id every time
        ids[temp] = AGENCY_ID_BASE + week * 1000 + np.flatnonzero(temp)
        ledger.record(week, ids, scheduled)
        if week >= 78:  # the last 52 weeks' missed visits, per client
            missed_total += gone.sum(axis=1)
        if week % 7 == 3 and week < 70:
            ledger.reset(rng.choice(n, 5, replace=False))  # admissions
        check(ledger, week)
    assert ledger.indices(window=52)["missed"].tolist() == missed_total.tolist()


def test_a_full_table_counts_extra_workers_as_new_faces():
    """More distinct workers in a year than the table holds: each extra visit is a new
    face, so the ledger's indices never exceed the exact ones."""
    ledger = ContinuityLedger(1, 2)
    for week in range(60):
        ledger.record(week, np.array([[week, week]]))  # a new pair of visits a week
    got = ledger.indices(window=52)
    want = continuity_rows(ledger.history(59, 52))
    assert got["n"][0] == want["n"][0] == 104
    assert got["coc"][0] <= want["coc"][0] + 1e-12
    assert got["distinct"][0] >= want["distinct"][0]


def test_ledger_in_a_running_model_matches_recomputation(medium_agency):
    m = WorkforceModel(
        "hybrid",
        rng=2,
        float_pool=2,
        shock_start=0,
        shock_weeks=20,
        shock_absence=0.3,
        **medium_agency,
    )
    for _ in range(60):
        m.step()
        check(m.continuity, m.t)


def test_per_client_table_agrees_with_the_agency_measures():
    m = WorkforceModel(rng=3, setting="home_care", warmup_weeks=60)
    for _ in range(4):
        m.step()
    for window, suffix in ((26, "_6m"), (52, "")):
        d = m.client_continuity(window)
        assert len(d) == m.params["n_clients"]
        assert (d["visits"] >= 0).all() and (d["missed"] >= 0).all()
        ok = d["visits"] >= 2
        if window == 26:
            ok &= d["weeks_in_care"] >= 26
        assert d.loc[ok, "coc"].mean() == pytest.approx(m.metrics["coc" + suffix], rel=1e-9)
    # clients with more hours see more workers: continuity falls with daily hours
    d = m.client_continuity(26)
    few = d[(d["usual_hours"] < 21) & (d["weeks_in_care"] >= 26)]["coc"].mean()
    many = d[(d["usual_hours"] > 49) & (d["weeks_in_care"] >= 26)]["coc"].mean()
    assert few > many
