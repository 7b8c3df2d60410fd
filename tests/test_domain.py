"""The state stays in its domain: a property-based test over the parameter registry.

Hypothesis draws parameter sets inside the ranges of :data:`sim.core.params.PARAMS`, each
parameter often at a corner of its range (its low or high end), runs a tiny agency
for a few weeks and checks, every week, that every state array and every measure is
finite and within its domain and that the accounting identities hold.

Parameters that set the agency's size or the length of the run are drawn from the
low end of their ranges only (a 100,000-post agency is not a quick test); every other
parameter is drawn across its whole range. The draws are derandomized, so the test is
reproducible.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from sim import WorkforceModel
from sim.core.agents import Client, Worker
from sim.core.outputs import METRICS
from sim.core.params import PARAMS, SETTINGS, ParameterError
from sim.core.phases.clients import ESCALATION_CAP
from sim.core.state import (
    AGENCY,
    CARE_HOURS,
    CONTACT_WINDOW,
    COSTS,
    EVENT,
    FLOAT,
    NONE,
    OVERTIME,
    SHORT_WINDOW,
    VISITS_MAX,
)

#: Sub-ranges (inside the registry's) for the parameters that set the run's size.
SMALL_RANGES = {
    "n_workers": (5, 12),
    "n_clients": (5, 40),
    "float_pool": (0, 4),
    "warmup_weeks": (0, 8),
    "agent_record_every": (0, 3),
    "shock_start": (0, 8),
    "shock_weeks": (0, 12),
    # the in-service programme starts and runs within the reported weeks of an example
    "inservice_start": (1, 8),
    "inservice_weeks": (0, 12),
}
WEEKS = 16  # reported weeks per example


def _value(name: str) -> st.SearchStrategy:
    p = PARAMS[name]
    if p.kind == "bool":
        return st.booleans()
    low, high = SMALL_RANGES.get(name, (p.low, p.high))
    assert p.low <= low <= high <= p.high, name
    if p.kind == "int":
        return st.sampled_from([int(low), int(high)]) | st.integers(int(low), int(high))
    return st.sampled_from([float(low), float(high)]) | st.floats(
        float(low), float(high), allow_nan=False, allow_infinity=False
    )


#: Each parameter is left at its default (or the setting's and regime's preset) about a
#: third of the time, else drawn: half of those draws at a corner of its range.
PARAMETER_SETS = st.fixed_dictionaries({name: st.none() | _value(name) for name in PARAMS}).map(
    lambda d: {k: v for k, v in d.items() if v is not None} | _small_defaults(d)
)


def _small_defaults(drawn: dict) -> dict:
    """The size parameters left undrawn take their low end (the defaults are large)."""
    return {
        k: SMALL_RANGES[k][0] if k != "warmup_weeks" else 4
        for k in ("n_workers", "n_clients", "warmup_weeks")
        if drawn[k] is None
    }


def test_every_parameter_is_drawn_within_its_registry_range():
    assert set(SMALL_RANGES) <= set(PARAMS)
    for name in PARAMS:
        _value(name)  # asserts the sub-range lies inside the registry's range


#: Rounding allowed on weighted means (a gap is a mean over need shares that sum to 1
#: within rounding, so a total gap can come out as 1.0000000000000002).
ROUNDING = 1e-12


def _within(values, low, high, what, eps=0.0):
    values = np.asarray(values, dtype=float)
    assert np.isfinite(values).all(), f"{what}: not finite"
    if values.size:
        assert values.min() >= low - eps, f"{what} = {values.min()!r} < {low}"
        assert values.max() <= high + eps, f"{what} = {values.max()!r} > {high}"


def check_state(m: WorkforceModel, previous_headcount: float | None) -> None:
    """Every state array and measure of ``m`` in its domain; the identities hold."""
    p, w, c, t = SimpleNamespace(**m.params), m.workers, m.clients, m.t
    inf = math.inf

    # every float array of the state is finite, dead worker slots included
    for name in (*w.FIELDS_1D, *w.FIELDS_2D):
        arr = getattr(w, name)
        if arr.dtype.kind == "f":
            assert np.isfinite(arr).all(), f"workers.{name}: not finite"
    for name in c.arrays._fields:
        arr = getattr(c, name)
        if arr.dtype.kind == "f":
            assert np.isfinite(arr).all(), f"clients.{name}: not finite"

    # workers employed now
    a = np.flatnonzero(w.alive)
    _within(w.competence[a], 0, 1, "competence")
    # self_assessment = 0 hires workers who notice no gap by themselves (awareness 0)
    _within(w.awareness[a], 0, 1, "awareness")
    _within(w.selfcare[a], 0, 1, "selfcare")
    _within(w.exhaustion[a], 0, 1, "exhaustion")
    _within(w.realism[a], 0, 1, "realism")
    _within(w.relationship[a], 0, 1, "relationship")
    _within(w.gap[a], 0, 1, "worker gap", ROUNDING)
    # recognised gaps: a 0/1 flag per domain; the unrecognised part of this week's gap
    assert np.isin(w.known[a], (0, 1)).all(), "known not 0 or 1"
    _within(w.unseen[a], 0, 1, "unseen gap", ROUNDING)
    assert (w.unseen[a] <= w.gap[a] + ROUNDING).all(), "unseen gap above the gap"
    _within(w.module_chance[a], 0, 1, "module_chance")
    _within(w.detection[a], 0, 1, "detection")
    assert (w.sensitivity[a] > 0).all()
    for name in (
        "hours",
        "overtime_hours",
        "module_hours",
        "mentored",
        "mentoring_hours",
        "refresher_hours",
        "incidents",
        "caseload",
        "study_hours",
        "found",
    ):
        _within(getattr(w, name)[a], 0, inf, name)
    assert (w.overtime_hours[a] <= w.hours[a] * (1 + 1e-12)).all()
    np.testing.assert_allclose(w.use[a].sum(axis=1), w.hours[a], rtol=1e-9, atol=1e-9)
    _within(w.use[a], 0, inf, "use")
    assert (w.start_week[a] >= w.hire_week[a]).all()
    assert (w.hire_week[a] <= t).all()
    regular = a[~w.is_float[a]]
    assert (w.caseload[regular] <= p.max_caseload).all()
    assert (w.caseload[a[w.is_float[a]]] == 0).all()  # float staff are never primary

    # clients
    _within(c.wellbeing, 0, 1, "wellbeing")
    _within(c.escalation, 0, ESCALATION_CAP, "escalation")
    _within(c.quality, 0, 1, "quality")
    _within(c.gap, 0, 1, "client gap", ROUNDING)
    _within(c.hours, 0, inf, "client hours")
    _within(c.relationship_weeks, 0, inf, "relationship_weeks")
    _within(c.crisis_left, 0, p.crisis_weeks, "crisis_left")
    _within(c.share, 0, 1, "need shares")
    np.testing.assert_allclose(c.share.sum(axis=1), 1.0, rtol=1e-9)
    assert (c.acuity > 0).all()
    has_primary = c.primary >= 0
    assert w.alive[c.primary[has_primary]].all(), "a client's primary worker has left"
    assert not w.is_float[c.primary[has_primary]].any(), "a float worker is a primary"
    by_worker = (c.kind != AGENCY) & (c.kind != NONE)
    assert (c.provider[by_worker] >= 0).all() and (c.provider[~by_worker] == -1).all()
    assert w.caseload[a].sum() >= has_primary.sum()

    # visits and teams
    # every client has at least one visit a week, once a week has run
    _within(c.visits, 1 if m.t > -p.warmup_weeks else 0, VISITS_MAX, "visits scheduled")
    _within(c.missed, 0, inf, "missed visits")
    assert (c.missed <= c.visits).all() and (c.by_primary <= c.visits - c.missed).all()
    for j in range(VISITS_MAX):
        scheduled = j < c.visits
        assert (c.vkind[~scheduled, j] == NONE).all() and (c.vprov[~scheduled, j] == -1).all()
        made = scheduled & (c.vkind[:, j] != NONE)
        by_staff = made & (c.vkind[:, j] != AGENCY)
        left = m.events[len(EVENT) + m.events[EVENT.hires] :][: m.events[EVENT.leavers]]
        employed = w.alive.copy()
        employed[left] = True  # (this week's leavers made their visits before leaving)
        assert employed[c.vprov[by_staff, j]].all(), "a visit by someone not employed"
        assert (c.vprov[made & ~by_staff, j] == -1).all()
    planned = np.arange(VISITS_MAX) < c.visits[:, None]
    assert (c.missed == ((c.vkind == NONE) & planned).sum(axis=1)).all()
    cover = (c.vkind == FLOAT) | (c.vkind == OVERTIME) | (c.vkind == AGENCY)
    assert (c.covered == (cover & planned).sum(axis=1)).all()
    team = c.backup[c.backup >= 0]
    assert w.alive[team].all() and not w.is_float[team].any(), "a backup has left or floats"
    ordered = np.sort(np.where(c.backup >= 0, c.backup, -np.arange(1, c.backup.shape[1] + 1)))
    assert (np.diff(ordered, axis=1) != 0).all(), "a worker twice in one team"

    # continuity ledger (window 0: 26 weeks, 1: 52 weeks)
    led = m.continuity
    _within(led.n[0], 0, SHORT_WINDOW * VISITS_MAX, "visits in 26 weeks")
    _within(led.n[1], 0, CONTACT_WINDOW * VISITS_MAX, "visits in 52 weeks")
    assert (led.n[0] <= led.n[1]).all() and (led.missed[0] <= led.missed[1]).all()
    assert (led.distinct <= led.n).all() and (led.top <= led.n).all()
    assert (led.same <= np.maximum(led.n - 1, 0)).all()
    assert (led.sumsq >= led.n).all() and (led.missed >= 0).all()

    # this week's costs and the 52-week ledgers
    _within(m.costs, 0, inf, "costs")
    _within(m.ledgers, 0, inf, "ledgers")

    # measures: finite and within the ranges sim.core.outputs.METRICS declares
    mt = m.metrics
    assert set(mt) == set(METRICS)
    for name, spec in METRICS.items():
        _within(mt[name], spec.low, inf if spec.high is None else spec.high, name)

    # accounting identities
    posts = p.n_workers + p.float_pool
    assert (
        mt["headcount"] == a.size == len(m.agents_by_type.get(Worker, ()))
    )  # none employed: no entry
    assert len(m.agents_by_type[Client]) == p.n_clients
    assert mt["in_training"] == np.count_nonzero(w.start_week[a] > t)
    assert mt["headcount"] == mt["on_floor"] + mt["in_training"]
    assert mt["headcount"] <= posts
    assert mt["vacancies"] == posts - mt["headcount"]
    assert mt["vacancy_rate"] == pytest.approx(mt["vacancies"] / posts)
    assert mt["separations"] == mt["quits"] + mt["dismissals"]
    parts = sum(mt[f"cost_{k}"] for k in COSTS)
    assert mt["cost_total"] == pytest.approx(parts, rel=1e-12, abs=1e-9)
    assert mt["cost_benefits"] == pytest.approx(p.benefits_rate * mt["cost_wages"], rel=1e-12)
    # every hour above the contract at the premium (rows that left this week included:
    # care zeroes every row's hours first)
    above = np.maximum(w.hours - p.contract_hours, 0.0).sum()
    assert mt["cost_overtime"] == pytest.approx(
        above * p.wage * p.overtime_premium, rel=1e-9, abs=1e-9
    )
    assert mt["cost_onboarding"] <= p.onboarding_cost / p.onboarding_weeks * (
        np.count_nonzero((t - w.start_week[a] >= 0) & (t - w.start_week[a] < p.onboarding_weeks))
        + m.events[EVENT.leavers]
    ) * (1 + 1e-12)
    # hours of each of a client's visits this week (none before the first week)
    length = np.divide(c.hours, c.visits, out=np.zeros(c.n), where=c.visits > 0)
    made = c.visits - c.missed
    assert mt["care_hours_delivered"] == pytest.approx((length * made).sum(), rel=1e-9, abs=1e-9)
    assert mt["unmet_hours"] == pytest.approx((length * c.missed).sum(), rel=1e-9, abs=1e-9)
    by_staff = ((c.vkind != NONE) & (c.vkind != AGENCY)).sum(axis=1)
    if m.events[EVENT.pending] == 0 and not m.events[EVENT.leavers]:
        # every hour of a visit by staff is an hour of some worker's week
        assert w.hours[a].sum() == pytest.approx((length * by_staff).sum(), rel=1e-9, abs=1e-9)
    slot = t % CONTACT_WINDOW
    assert m.ledgers[CARE_HOURS, slot] == pytest.approx(mt["care_hours_delivered"], rel=1e-12)
    assert (w.found[a] <= w.incidents[a]).all()  # a gap is revealed by an incident
    assert mt["leavers_under_3m"] <= mt["leavers_under_6m"] <= mt["leavers_under_12m"]
    assert mt["unmet_need_share"] == pytest.approx(np.count_nonzero(c.kind == NONE) / c.n)
    assert mt["incidents"] == np.count_nonzero(c.incident)
    assert mt["module_hours"] == pytest.approx(w.module_hours[a].sum())
    if previous_headcount is not None:  # stocks and flows
        assert mt["headcount"] == previous_headcount + mt["hires"] - mt["separations"]


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    values=PARAMETER_SETS,
    setting=st.sampled_from(sorted(SETTINGS)),
    regime=st.sampled_from(["jit", "foundation", "hybrid"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_state_and_measures_stay_in_their_domain(values, setting, regime, seed):
    try:
        m = WorkforceModel(regime, setting=setting, rng=seed, **values)
    except ParameterError:  # a combination that cross-parameter validation rejects
        reject()
    check_state(m, None)
    for _ in range(WEEKS):
        before = m.metrics["headcount"]
        m.step()
        check_state(m, before)


def test_the_reported_case_of_awareness_beyond_one_stays_within_its_domain():
    """Issue 9's case: awareness_growth = 0.2, mentoring_awareness_gain = 0.2 and
    10 mentoring hours for 260 weeks drove mean gap awareness to 3.5."""
    m = WorkforceModel(
        "hybrid",
        rng=3,
        n_workers=10,
        n_clients=30,
        warmup_weeks=0,
        awareness_growth=0.2,
        mentoring_awareness_gain=0.2,
        mentoring_hours=10,
        mentoring_weeks=260,
    )
    for _ in range(260):
        m.step()
        a = np.flatnonzero(m.workers.alive)
        _within(m.workers.awareness[a], 0.01, 1, "awareness")
        assert 0 <= m.metrics["gap_awareness_mean"] <= 1
