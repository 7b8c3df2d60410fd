"""The levers of issue 11 do what their definitions say: pay, benefits, the in-service
programme, self-assessment and mentor detection, the consequences of unseen gaps, and
saturating training.

Statistical contrasts use common random numbers (the same seeds on both sides) and
paired differences; identities are asserted exactly (to rounding). Agencies are MEDIUM
(tests/helpers.py) with a two-year warm-up instead of the default ten years, to keep
the tests fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import WorkforceModel
from sim.core.outputs import METRICS

from helpers import MEDIUM, agency

SIZE = {**MEDIUM, "warmup_weeks": 104}

#: Measures that are money: pay changes them; with quit_pay_elasticity = 0 nothing else.
COST_METRICS = {m for m in METRICS if m.startswith("cost")}


def model(rng: int, weeks: int, regime: str = "jit", **kw) -> WorkforceModel:
    m = WorkforceModel(regime, rng=rng, **{**SIZE, **kw})
    for _ in range(weeks):
        m.step()
    return m


def series(m: WorkforceModel) -> pd.DataFrame:
    return m.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def clearly_positive(d: np.ndarray) -> bool:
    """The mean of paired differences ``d`` is more than two standard errors above 0."""
    d = np.asarray(d, dtype=float)
    return d.mean() > 2 * d.std(ddof=1) / np.sqrt(d.size)


# -- pay ---------------------------------------------------------------------------------
def test_raising_pay_lowers_quits():
    # pay acts from the warm-up on, so the paired runs part early: a larger agency and
    # more seeds give the contrast (a 29 % raise: quit hazard x 0.88) room to show
    size = agency(150, warmup_weeks=104)

    def quits(rng: int, wage: float) -> float:
        return series(model(rng, 104, wage=wage, **size))["quits"].sum()

    d = np.array([quits(100 + r, 17.0) - quits(100 + r, 22.0) for r in range(20)])
    assert clearly_positive(d)


def test_without_a_pay_elasticity_pay_changes_only_the_cost():
    for rng in (1, 2):
        a = series(model(rng, 52, wage=17.0, quit_pay_elasticity=0.0))
        b = series(model(rng, 52, wage=22.0, quit_pay_elasticity=0.0))
        same = [c for c in a.columns if c not in COST_METRICS]
        pd.testing.assert_frame_equal(a[same], b[same])
        # the wage bill scales by the pay ratio exactly, week by week
        np.testing.assert_allclose(b["cost_wages"], a["cost_wages"] * 22.0 / 17.0, rtol=1e-12)
        assert (a["cost_wages"] > 0).all()


@pytest.mark.parametrize("benefits_rate", [0.0, 0.2, 0.55])
def test_benefits_are_their_rate_times_the_wage_bill_every_week(benefits_rate):
    s = series(model(3, 26, benefits_rate=benefits_rate))
    np.testing.assert_allclose(s["cost_benefits"], benefits_rate * s["cost_wages"], rtol=1e-12)


# -- the in-service programme ---------------------------------------------------------------
PROGRAMME = {
    "inservice_start": 13,
    "inservice_weeks": 26,
    "inservice_training_hours": 2.0,
    "inservice_supervision_hours": 1.0,
    "inservice_modules": True,
}


def _workforce_means(m: WorkforceModel) -> tuple[float, float]:
    """Mean competence (all domains) and gap awareness of the workers employed now."""
    a = np.flatnonzero(m.workers.alive)
    return float(m.workers.competence[a].mean()), float(m.workers.awareness[a].mean())


def test_inservice_programme_changes_nothing_before_it_starts():
    start = PROGRAMME["inservice_start"]
    for rng in (1, 2, 3):
        a = series(model(rng, start + 4))
        b = series(model(rng, start + 4, **PROGRAMME))
        # rows 0..start-1 are the warm-up's end and reported weeks 1..start-1
        pd.testing.assert_frame_equal(a.iloc[:start], b.iloc[:start])
        assert not a.iloc[start:].equals(b.iloc[start:])  # and it does something after


def test_inservice_programme_raises_the_whole_workforces_competence_and_awareness():
    end = PROGRAMME["inservice_start"] + PROGRAMME["inservice_weeks"] - 1
    without, with_ = [], []
    for r in range(8):
        without.append(_workforce_means(model(200 + r, end)))
        with_.append(_workforce_means(model(200 + r, end, **PROGRAMME)))
    d = np.array(with_) - np.array(without)
    assert clearly_positive(d[:, 0]), "competence"
    assert clearly_positive(d[:, 1]), "gap awareness"


# -- who notices a gap ---------------------------------------------------------------------
def _new_hire_unseen_share(m: WorkforceModel, weeks: int) -> float:
    """Over ``weeks`` more weeks: the unrecognised share of the skill gap met by the
    workers hired under the regime (not the warm-up's status quo), hours-weighted."""
    w = m.workers
    unseen = gap = 0.0
    for _ in range(weeks):
        m.step()
        new = np.flatnonzero(w.alive & (w.regime_code == 1))
        unseen += float((w.unseen[new] * w.hours[new]).sum())
        gap += float((w.gap[new] * w.hours[new]).sum())
    assert gap > 0
    return unseen / gap


def test_self_assessment_lowers_the_unseen_share_of_new_hires_gaps():
    d = [
        _new_hire_unseen_share(model(300 + r, 0, self_assessment=0.05), 78)
        - _new_hire_unseen_share(model(300 + r, 0, self_assessment=1.0), 78)
        for r in range(6)
    ]
    assert clearly_positive(d)


def test_mentors_who_spot_gaps_lower_the_unseen_share_of_new_hires_gaps():
    kw = {"mentoring_hours": 2.0, "mentoring_weeks": 52, "self_assessment": 0.05}
    d = [
        _new_hire_unseen_share(model(400 + r, 0, mentor_detection=0.0, **kw), 78)
        - _new_hire_unseen_share(model(400 + r, 0, mentor_detection=0.5, **kw), 78)
        for r in range(6)
    ]
    assert clearly_positive(d)


# -- unseen gaps have consequences -----------------------------------------------------------
def _incidents(rng: int, known: float, **kw) -> np.ndarray:
    """Weekly incidents over half a year of an agency whose workers have recognised all
    of their gaps (``known`` = 1) or none (0) at week 0. Nobody learns from seeing a gap
    (no modules, no self-study), so ``known`` acts only through the consequences of
    unseen gaps."""
    m = model(rng, 0, selfstudy_gain=0.0, **agency(100, warmup_weeks=52), **kw)
    m.workers.known[:] = known
    m.workers.module_chance[:] = 0.0
    for _ in range(26):
        m.step()
    return series(m)["incidents"].to_numpy()


def test_unseen_gaps_cause_more_incidents_and_only_through_their_rules():
    kw = {"learner_motivation": 0.0, "incident_rate": 0.05}
    saved = np.array(
        [
            _incidents(700 + r, 0.0, **kw).sum() - _incidents(700 + r, 1.0, **kw).sum()
            for r in range(12)
        ]
    )
    assert clearly_positive(saved)  # recognised gaps keep only part of their risk
    # with a recognised gap as risky as an unseen one, practice closing both alike and
    # nothing learned from an incident, knowing one's gaps changes nothing at all
    neutral = {**kw, "known_gap_risk": 1.0, "unseen_learning": 1.0, "incident_learning": 0.0}
    for r in range(3):
        np.testing.assert_array_equal(
            _incidents(700 + r, 0.0, **neutral), _incidents(700 + r, 1.0, **neutral)
        )


# -- training saturates -----------------------------------------------------------------------
def _hires_competence(hours: float, seeds: range) -> float:
    """Mean competence of the regime's first hires right after pre-service training."""
    values = []
    for s in seeds:
        m = model(s, 0, regime="foundation", preservice_hours=hours)
        w = m.workers
        while True:
            m.step()
            new = np.flatnonzero(w.alive & (w.regime_code == 1))
            if new.size:
                values.extend(w.competence[new].mean(axis=1))
                break
    return float(np.mean(values))


def test_training_saturates():
    seeds = range(600, 606)
    c0, c240, c480 = (_hires_competence(h, seeds) for h in (0.0, 240.0, 480.0))
    assert c480 <= 0.9
    assert c0 < c240 < c480
    assert c480 - c240 < c240 - c0
