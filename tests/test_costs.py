"""Costs: overtime for every hour above the contract, onboarding spread over a hire's
first weeks on the floor, care hours delivered and the cost per care hour.

Identities and directions, never copied figures (the per-week identity that
``cost_total`` is the sum of every component is in :mod:`tests.test_domain`)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from sim import WorkforceModel
from sim.core.state import CARE_HOURS, COST, EVENT

SMALL = {"n_workers": 20, "n_clients": 60, "warmup_weeks": 0}


def _run(weeks: int, **params) -> tuple[WorkforceModel, list[dict[str, float]]]:
    m = WorkforceModel("jit", rng=7, **{**SMALL, **params})
    rows = []
    for _ in range(weeks):
        m.step()
        rows.append(dict(m.metrics))
    return m, rows


def test_overtime_is_paid_only_for_hours_above_the_contract():
    # a light caseload: nobody works near their contract, so no overtime at all
    _, light = _run(40, client_hours=2.0)
    assert sum(r["cost_overtime"] for r in light) == 0.0
    # heavy caseloads: own clients alone take workers past their contract
    m, heavy = _run(40, client_hours=25.0)
    assert sum(r["cost_overtime"] for r in heavy) > 0.0
    # this week's overtime is exactly the hours above contract at the premium
    p, w = m.params, m.workers
    extra = np.maximum(w.hours - p["contract_hours"], 0.0).sum()
    assert heavy[-1]["cost_overtime"] == pytest.approx(
        extra * p["wage"] * p["overtime_premium"], rel=1e-12
    )


def test_a_hire_who_stays_costs_the_whole_onboarding_cost_and_an_early_leaver_less():
    weeks, onboarding_weeks = 120, 8
    m = WorkforceModel("jit", rng=11, onboarding_weeks=onboarding_weeks, **SMALL)
    p, w = m.params, m.workers
    per_week = p["onboarding_cost"] / onboarding_weeks
    first = m.t + 1
    charged: dict[int, float] = defaultdict(float)
    start: dict[int, int] = {}
    left_at: dict[int, int] = {}
    total = 0.0
    for _ in range(weeks):
        m.step()
        t, ev = m.t, m.events
        n_hired, n_left = int(ev[EVENT.hires]), int(ev[EVENT.leavers])
        leavers = ev[len(EVENT) + n_hired : len(EVENT) + n_hired + n_left].astype(int)
        # employed at care time: those employed now and those who left after care
        rows = np.union1d(np.flatnonzero(w.alive), leavers)
        for r in rows:
            wid, floor_weeks = int(w.wid[r]), t - int(w.start_week[r])
            start.setdefault(wid, int(w.start_week[r]))
            if 0 <= floor_weeks < onboarding_weeks:
                charged[wid] += per_week
        for r in leavers:
            left_at[int(w.wid[r])] = t
        total += m.metrics["cost_onboarding"]
    # the model's weekly onboarding cost is exactly what the hires in their window owe
    assert total == pytest.approx(sum(charged.values()), rel=1e-12)
    stayed = [
        wid
        for wid, s in start.items()
        if s >= first and s + onboarding_weeks <= min(left_at.get(wid, m.t + 1), m.t + 1)
    ]
    went_early = [
        wid for wid, s in start.items() if s >= first and s <= left_at.get(wid, -1) < s + 7
    ]
    assert stayed, "no hire stayed through onboarding: the test says nothing"
    for wid in stayed:
        assert charged[wid] == pytest.approx(p["onboarding_cost"], rel=1e-12)
    for wid in went_early:
        assert charged[wid] < p["onboarding_cost"]


def test_care_hours_unmet_hours_and_cost_per_care_hour_agree_with_the_ledgers():
    m, rows = _run(60)
    mt = m.metrics
    c = m.clients
    assert mt["care_hours_delivered"] + mt["unmet_hours"] == pytest.approx(c.hours.sum())
    assert mt["care_hours_delivered"] > 0
    assert m.ledgers[CARE_HOURS].sum() == pytest.approx(
        sum(r["care_hours_delivered"] for r in rows[-52:])
    )
    assert m.ledgers[COST].sum() == pytest.approx(sum(r["cost_total"] for r in rows[-52:]))
    assert mt["cost_per_care_hour"] == pytest.approx(
        m.ledgers[COST].sum() / m.ledgers[CARE_HOURS].sum()
    )
    # fewer workers for the same clients: more need goes unmet
    _, short = _run(60, n_workers=8)
    assert sum(r["unmet_hours"] for r in short) > sum(r["unmet_hours"] for r in rows)


def test_the_agency_premium_is_the_part_of_agency_cover_above_own_staff_pay():
    m, rows = _run(30, absence_rate=0.2, overtime_cover=0.0, agency_cover=1.0)
    p = m.params
    own = p["wage"] * (1 + p["benefits_rate"])
    assert sum(r["cost_cover"] for r in rows) > 0
    for r in rows:
        assert r["cost_agency_premium"] == pytest.approx(
            r["cost_cover"] * (1 - own / p["agency_rate"]), rel=1e-12, abs=1e-9
        )
        assert r["cost_agency_premium"] <= r["cost_cover"]
    # agency hours at what the agency's own staff cost: no premium at all
    _, even = _run(10, absence_rate=0.2, overtime_cover=0.0, agency_cover=1.0, agency_rate=own)
    assert max(r["cost_agency_premium"] for r in even) == pytest.approx(0.0, abs=1e-9)


def test_clients_above_the_caseload_norm_need_cover_and_it_costs():
    # 20 workers of 2 clients at most for 60 clients: a third have no primary worker
    kw = {"max_caseload": 2, "overtime_cover": 0.0, "agency_cover": 1.0}
    _, rows = _run(20, **kw)
    _, roomy = _run(20, max_caseload=5, overtime_cover=0.0, agency_cover=1.0)
    late = rows[-10:]
    assert np.mean([r["no_primary_share"] for r in late]) > 0.2
    assert np.mean([r["cover_hours"] for r in late]) > np.mean(
        [r["cover_hours"] for r in roomy[-10:]]
    )
    assert sum(r["cost_cover"] for r in late) > sum(r["cost_cover"] for r in roomy[-10:])
