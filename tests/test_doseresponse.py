"""Dose-response curves of pre-service training (sim.report.doseresponse): the tidy
table, its confidence intervals, the analytic pre-service competence, the chart and the
command's handling of bad input."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.params import PARAMS
from sim.report import doseresponse as dr
from tests.helpers import TINY

DOSES = (0, 480)
REPS = 2


@pytest.fixture(scope="module")
def table():
    return dr.dose_response(
        DOSES, replications=REPS, horizon_weeks=52, jobs=1, seed=7, parameters=dict(TINY)
    )


def test_table_is_tidy_with_one_row_per_dose_and_metric(table):
    assert list(table.columns) == ["hours", "metric", "mean", "ci_low", "ci_high"]
    assert sorted(table["hours"].unique()) == [0.0, 480.0]
    expected = {*dr.DOSE_METRICS, dr.PRESERVICE}
    assert set(table["metric"]) == expected
    assert len(table) == len(DOSES) * len(expected)
    assert not table.duplicated(["hours", "metric"]).any()
    assert table.attrs["replications"] == REPS


def test_confidence_intervals_hold_the_mean(table):
    assert np.isfinite(table[["mean", "ci_low", "ci_high"]].to_numpy()).all()
    assert (table["ci_low"] <= table["mean"] + 1e-12).all()
    assert (table["mean"] <= table["ci_high"] + 1e-12).all()
    # two replications that differ give an interval of positive width somewhere
    sim = table[table["metric"] != dr.PRESERVICE]
    assert (sim["ci_high"] - sim["ci_low"] > 0).any()


def test_more_preservice_hours_give_more_competence_before_practice(table):
    pre = table[table["metric"] == dr.PRESERVICE].sort_values("hours")["mean"].to_numpy()
    assert pre[0] == pytest.approx(PARAMS["initial_competence"].default)
    assert pre[1] > pre[0]


def test_analytic_competence_saturates_below_perfect():
    hours = np.array([0, 16, 40, 75, 120, 240, 480, 2000], dtype=float)
    c = dr.preservice_competence(hours).to_numpy()
    assert (np.diff(c) > 0).all()  # strictly more with every dose (not yet at the ceiling)
    at_480 = dr.preservice_competence([480]).iloc[0]
    assert at_480 <= 0.9
    assert at_480 <= PARAMS["training_competence_max"].default + 1e-12
    # the formula of docs/ODD.md section 7.2
    c0 = PARAMS["initial_competence"].default
    cmax = PARAMS["training_competence_max"].default
    h0 = PARAMS["training_competence_hours"].default
    assert c[3] == pytest.approx(c0 + (cmax - c0) * (1 - np.exp(-75 / h0)))
    # a different ceiling moves it
    higher = dr.preservice_competence([120], parameters={"training_competence_max": 0.9})
    assert higher.iloc[0] > dr.preservice_competence([120]).iloc[0]


def test_markdown_table_and_chart(table):
    md = dr.markdown_table(table).splitlines()
    assert len(md) == 2 + len(DOSES)  # header, rule, one row per dose
    assert md[2].startswith("| 0 ") and md[3].startswith("| 480 ")
    fig = dr.plot_dose_response(table)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4
    titles = [ax.get_title(loc="left") for ax in visible]
    assert titles[0].startswith("Turnover rate")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--replications", "0"], "replications"),
        (["--hours", "0", "600"], "preservice_hours"),
        (["--hours", "16", "16"], "repeated"),
        (["--setting", "hospital"], "hospital"),
        (["--jobs", "0"], "--jobs"),
        (["--replications", "two"], "two"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, words):
    out = tmp_path / "images"
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(dr.main([*argv, "--out", str(out)]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("workforce-sim: error: ")
    assert words in err[0]
    assert "Traceback" not in err[0]
    assert not out.exists()
