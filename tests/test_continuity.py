"""The incremental continuity ledger agrees with the pure functions of sim.analysis.metrics."""

from __future__ import annotations

import numpy as np

from sim import WorkforceModel
from sim.analysis.metrics import continuity_rows
from sim.core.continuity import ContinuityLedger
from sim.core.state import AGENCY_ID_BASE


def check(ledger: ContinuityLedger, week: int) -> None:
    want = continuity_rows(ledger.history(week))
    got = ledger.indices()
    for key in ("n", "coc", "upc", "secon", "distinct"):
        np.testing.assert_allclose(got[key].astype(float), want[key].astype(float), err_msg=key)


def test_ledger_matches_recomputation_on_random_contacts():
    rng = np.random.default_rng(0)
    ledger = ContinuityLedger(60, window=8)
    for week in range(40):
        ids = rng.integers(0, 4, 60) * 1000  # few workers, many repeats
        ids[rng.random(60) < 0.25] = -1  # weeks without care
        temp = rng.random(60) < 0.1  # temp staff: a new id every time
        ids[temp] = AGENCY_ID_BASE + week * 100 + np.flatnonzero(temp)
        ledger.record(week, ids)
        if week % 7 == 3:
            ledger.reset(rng.choice(60, 5, replace=False))  # admissions
        check(ledger, week)


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
