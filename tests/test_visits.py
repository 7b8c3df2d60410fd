"""Care as visits: schedules, who makes each visit, and what moves continuity.

Contrasts are statistical (means over seeded replications, paired where runs share a
warm-up); nothing here copies a figure from a run.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import WorkforceModel
from sim.core.phases.assignment import schedule
from sim.core.state import AGENCY, FLOAT, NONE, OVERTIME, PRIMARY, TEAM, VISITS_MAX

from helpers import MEDIUM, make_model


@pytest.mark.parametrize(
    ("hours", "days", "shifts"),
    [
        (1.0, 1, 1),  # less than one shortest visit: one visit
        (10.0, 5, 1),  # 2-hour visits on 5 days
        (14.0, 7, 1),
        (56.0, 7, 1),  # 8 hours a day: one shift
        (70.0, 7, 2),  # 10 hours a day: two shifts
        (500.0, 7, 2),  # capped at two shifts a day
    ],
)
def test_schedule_spreads_hours_over_days_and_shifts(hours, days, shifts):
    assert schedule(hours, 2.0, 8.0) == (days, shifts)
    assert days * shifts <= VISITS_MAX


def test_each_visit_goes_to_the_first_available_in_the_order_of_cover():
    m = make_model("jit", rng=4, weeks=30, size=MEDIUM, float_pool=2, absence_rate=0.1)
    c, w = m.clients, m.workers
    seen = set()
    for client in range(c.n):
        if c.admit_week[client] == m.t:
            continue  # a new person took the place after this week's visits
        p = c.primary[client]
        for j in range(c.visits[client]):
            kind, row = c.vkind[client, j], c.vprov[client, j]
            seen.add(int(kind))
            if kind == PRIMARY:  # (a primary who left at the end of the week is gone)
                assert (row == p or c.lost_primary[client]) and not w.absent[row]
            elif kind == TEAM:
                assert (row in c.backup[client] or not w.alive[row]) and not w.absent[row]
            elif kind == FLOAT:
                assert w.is_float[row] and not w.absent[row]
            elif kind == OVERTIME:
                assert not w.is_float[row] and not w.absent[row]
            else:
                assert kind in (AGENCY, NONE) and row == -1
        # a present primary makes the first visit of each of their working days
        if p >= 0 and not w.absent[p] and c.visits[client] <= 5:
            assert c.by_primary[client] == c.visits[client]
    assert {PRIMARY, TEAM} <= seen


def _finals(metric: str, reps: int, **kw) -> np.ndarray:
    out = []
    for r in range(reps):
        m = make_model("jit", rng=300 + r, weeks=52, size=MEDIUM, **kw)
        df = m.datacollector.get_model_vars_dataframe()
        out.append(df[metric].iloc[-1] if metric.startswith("coc") else df[metric].mean())
    return np.array(out)


def _clearly_greater(a: np.ndarray, b: np.ndarray) -> bool:
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return a.mean() - b.mean() > 2 * se


def test_absence_turnover_and_vacancies_lower_continuity():
    base = _finals("coc_6m", 6)
    assert _clearly_greater(base, _finals("coc_6m", 6, absence_rate=0.15))
    assert _clearly_greater(base, _finals("coc_6m", 6, base_quit_hazard=0.012))
    short = _finals("primary_visit_share", 6, time_to_fill=40.0)
    assert _clearly_greater(_finals("primary_visit_share", 6), short)


def test_a_float_pool_makes_fewer_visits_missed():
    kw = {"absence_rate": 0.15, "overtime_cover": 0.2, "agency_cover": 0.2}
    missed = _finals("missed_visit_share", 6, **kw)
    pooled = _finals("missed_visit_share", 6, float_pool=4, **kw)
    assert _clearly_greater(missed, pooled)


def test_home_care_continuity_falls_with_daily_hours():
    few, moderate, many = [], [], []
    for r in range(4):
        m = WorkforceModel(rng=500 + r, setting="home_care", warmup_weeks=120)
        m.step()
        few.append(m.metrics["coc_6m_few_hours"])
        moderate.append(m.metrics["coc_6m_moderate_hours"])
        many.append(m.metrics["coc_6m_many_hours"])
    assert _clearly_greater(np.array(few), np.array(many))
    assert _clearly_greater(np.array(moderate), np.array(many))
