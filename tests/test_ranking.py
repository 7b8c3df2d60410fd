"""One ranking for the findings and the chart titles (sim.analysis.ranking): they never disagree."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.analysis.findings import _Phrasing, compare_sentence, findings
from sim.analysis.ranking import RegimeStat, join, rank, words
from sim.report.charts import finding_title, plot_final

LABELS = [f"R{i}" for i in range(6)]
KINDS = {
    "percent": _Phrasing("clients did it", "The share"),
    "usd": _Phrasing("it cost", "Cost", style="usd"),
    "number": _Phrasing("a client saw", "The number", style="number"),
}


def _split(names: str) -> set[str]:
    return set(re.split(r", | and ", names))


def _title_best(title: str, better: str) -> set[str] | None:
    """The regimes a chart title names as best (None: 'differs little')."""
    if "differs little" in title:
        return None
    word = "lowest" if better == "lower" else "highest"
    m = re.match(rf"^\w+ is {word} under (.+?) \(", title)
    assert m, title
    return _split(m.group(1))


def _finding_best(text: str) -> set[str] | None:
    """The regimes a finding names as best: the first, and those 'about the same as' it
    (None: 'about the same')."""
    if " was about the same under " in text:
        return None
    parts = text.rstrip(".").split("; ")
    first = re.match(r"^Under (R\d),", parts[0])
    assert first, text
    best = {first.group(1)}
    for part in parts[1:]:
        m = re.match(r"^under (R\d), .*?(?:, about the same as (R\d))?$", part)
        assert m, (part, text)
        if m.group(2) == first.group(1):
            best.add(m.group(1))
    return best


def _draw(rng: np.random.Generator, kind: str) -> list[RegimeStat]:
    k = int(rng.integers(2, 6))
    scale = {"percent": 1.0, "usd": 20_000.0, "number": 5.0}[kind]
    if rng.random() < 0.3:  # a coarse grid: ties, equal and touching intervals
        means = rng.integers(0, 6, k) / 10 * scale
        halves = rng.integers(0, 3, k) / 20 * scale
    else:
        means = rng.uniform(0.05, 0.95, k) * scale
        halves = rng.exponential(0.08, k) * scale
    order = rng.permutation(k)
    return [
        RegimeStat(
            f"r{i}",
            LABELS[i],
            int(rng.integers(2, 20)),
            float(means[i]),
            float(means[i] - halves[i]),
            float(means[i] + halves[i]),
        )
        for i in order
    ]


@pytest.mark.parametrize("kind", list(KINDS))
def test_chart_title_and_finding_name_the_same_regimes_best(kind):
    rng = np.random.default_rng(20240610)
    seen = {"clear": 0, "same": 0, "either": 0}
    for _ in range(1500):
        stats = _draw(rng, kind)
        better = str(rng.choice(["lower", "higher"]))
        title = finding_title(
            "Subject", [(s.label, s.n, s.mean, s.lo, s.hi) for s in stats], kind, better
        )
        text, clear = compare_sentence(stats, better, KINDS[kind])
        from_title, from_finding = _title_best(title, better), _finding_best(text)
        assert from_title == from_finding, (title, text)
        ranking = rank(stats, better)
        assert clear is ranking.clear
        if from_title is None:
            assert ranking.status == "same" and clear is False
            seen["same"] += 1
        else:
            assert from_title == {s.label for s in ranking.leaders}
            assert ranking.best.label in from_title and ranking.worst.label not in from_title
            seen["clear"] += 1
            seen["either"] += "either" in ranking.tiers
    assert min(seen.values()) > 20, seen  # every case was exercised


def test_issue_example_middle_regime_is_not_named_best():
    """Hybrid's interval overlaps both others': the chart title must not name it best
    while the finding calls it 'not clearly different from either'."""
    meta = {
        "regimes": ["jit", "foundation", "hybrid"],
        "regime_labels": {"jit": "JIT-only", "foundation": "Foundation-first", "hybrid": "Hybrid"},
    }
    values = {
        "jit": [0.14, 0.15, 0.16],
        "foundation": [0.08, 0.09, 0.10],
        "hybrid": [0.06, 0.10, 0.14],
    }
    runs = pd.DataFrame([{"regime": r, "vacancy_rate": v} for r, vs in values.items() for v in vs])
    fig = plot_final(runs, "vacancy_rate", meta)
    title = " ".join(fig.axes[0].get_title(loc="left").split())
    assert title.startswith("The vacancy rate is lowest under Foundation-first (")
    assert "Hybrid" not in title
    text = next(f for f in findings(runs, None, meta) if f.key == "vacancies").text
    assert "under Hybrid, " in text and "not clearly different from either" in text
    assert text.startswith("Under Foundation-first, ")


def test_tiers_and_words():
    best = RegimeStat("a", "A", 3, 0.10, 0.08, 0.12)
    near = RegimeStat("b", "B", 3, 0.13, 0.115, 0.145)  # overlaps A only
    either = RegimeStat("c", "C", 3, 0.20, 0.10, 0.30)  # overlaps A and E
    between = RegimeStat("d", "D", 3, 0.22, 0.215, 0.225)  # overlaps neither
    worst = RegimeStat("e", "E", 3, 0.35, 0.29, 0.41)
    r = rank([worst, between, either, near, best], "lower")
    assert r.status == "clear" and r.clear is True
    assert [s.label for s in r.ranked] == ["A", "B", "C", "D", "E"]
    assert r.tiers == ("best", "near_best", "either", "between", "worst")
    assert [s.label for s in r.leaders] == ["A", "B"]
    w = words(r, [best, near, either, between, worst])
    assert w.superlative == "lowest" and w.leaders == "A and B"
    assert w.everyone == "A, B, C, D and E"
    assert w.notes == ("", ", about the same as A", ", not clearly different from either", "", "")
    assert rank([best, worst], "higher").best is worst
    assert rank([best, worst], None).best is worst  # no direction: highest first
    assert rank([best, either], "lower").status == "same"
    assert rank([RegimeStat("a", "A", 1, 0.1, 0.1, 0.1), worst], "lower").status == "unranked"
    assert rank([best], "lower").status == "single"
    assert rank([RegimeStat("a", "A", 0, float("nan"), 0, 0)], "lower").status == "none"
    assert join([]) == "" and join(["A"]) == "A" and join(["A", "B", "C"]) == "A, B and C"


def test_title_shows_a_clear_difference_that_whole_percents_would_hide():
    title = finding_title(
        "Turnover",
        [("A", 5, 0.301, 0.300, 0.302), ("B", 5, 0.304, 0.303, 0.305)],
        "percent",
        "lower",
    )
    assert title == "Turnover is lowest under A (30.1 % vs 30.4 % under B)"
