"""Which regime does best on a measure, and the words for it.

The findings (:mod:`sim.analysis.findings`) and the chart titles
(:mod:`sim.report.charts`) both rank regimes with :func:`rank` and word the ranking
with :func:`words`, so a chart title and the finding on the same numbers name the same
regimes as best.

How a ranking decides. Regimes with data (at least one run or hire and a finite mean)
are sorted by their mean, best first, in the direction that is better for the measure
(``better``: ``"lower"`` or ``"higher"``; ``None``, for a measure with no better
direction, ranks the highest first). Then:

* no regime with data: ``"none"``; one: ``"single"``;
* any regime with a single run has no confidence interval, so nothing is ranked:
  ``"unranked"``;
* if the 95 % confidence intervals of the best and the worst regime overlap, the
  regimes did *about the same*: ``"same"``; unless the intervals are too wide to mean
  anything (:func:`replications_needed`, given the measure's ``scale``): then
  ``"too_wide"``, and the words say *not enough replications to tell* with the number
  of replications needed instead of "about the same";
* otherwise the ranking is ``"clear"`` and every regime falls in a tier (:data:`TIERS`)
  by whether its interval overlaps the best regime's and the worst regime's.

The *leaders* are the best regime and those about the same as it (overlapping the
best's interval but not the worst's): a chart title names them as best (*"Turnover is
lowest under Foundation-first and Hybrid"*) and a finding names them first (*"under
Hybrid, ..., about the same as Foundation-first"*). A regime whose interval overlaps
both the best's and the worst's is *not clearly different from either* and is not a
leader.

Overlapping intervals are a deliberately cautious rule of thumb, not a significance
test. This module imports only the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "TIERS",
    "WIDE_FRACTION",
    "Ranking",
    "RegimeStat",
    "Words",
    "half_width",
    "join",
    "overlap",
    "rank",
    "replications_needed",
    "words",
]

#: The too-wide-interval rule (:func:`replications_needed`): an overlap of intervals
#: says nothing when the widest 95 % CI half-width among the regimes is larger than the
#: difference between the best and the worst mean AND larger than this fraction of the
#: measure's scale (1 for shares, rates per year and 0-1 indices; for other measures
#: the largest mean among the regimes, so 5 % of its size).
WIDE_FRACTION = 0.05


@dataclass(frozen=True)
class RegimeStat:
    """One regime's mean and 95 % CI of a measure (``n`` runs or hires)."""

    regime: str
    label: str
    n: int
    mean: float
    lo: float
    hi: float

    @property
    def valid(self) -> bool:
        return self.n > 0 and math.isfinite(self.mean)


#: The tiers of a clear ranking, best first, and what each means.
TIERS: dict[str, str] = {
    "best": "the best mean",
    "near_best": "interval overlaps the best's but not the worst's: about the same as the best",
    "either": "interval overlaps both the best's and the worst's: not clearly different "
    "from either",
    "between": "interval overlaps neither: clearly between the best and the worst",
    "near_worst": "interval overlaps the worst's but not the best's: about the same as the worst",
    "worst": "the worst mean",
}


def overlap(a: RegimeStat, b: RegimeStat) -> bool:
    """Whether the two regimes' confidence intervals overlap (touching counts)."""
    return a.lo <= b.hi and b.lo <= a.hi


@dataclass(frozen=True)
class Ranking:
    """The outcome of :func:`rank`: ``status``, the regimes with data best first
    (``ranked``) and, for a ``"clear"`` ranking, the tier of each (``tiers``, aligned
    with ``ranked``; empty otherwise)."""

    status: str
    ranked: tuple[RegimeStat, ...]
    tiers: tuple[str, ...]
    better: str | None
    #: ``"too_wide"`` only: about how many replications per regime would tell the
    #: regimes apart (or show that they are about the same).
    needed: int = 0

    @property
    def best(self) -> RegimeStat:
        return self.ranked[0]

    @property
    def worst(self) -> RegimeStat:
        return self.ranked[-1]

    @property
    def clear(self) -> bool | None:
        """True for a clear ranking, False for 'about the same', None when nothing was
        compared (no data, one regime, one run) or the intervals were too wide to tell."""
        return {"clear": True, "same": False}.get(self.status)

    @property
    def leaders(self) -> tuple[RegimeStat, ...]:
        """The regimes named as best: the best and those about the same as it (a clear
        ranking only; empty otherwise)."""
        return tuple(
            s for s, t in zip(self.ranked, self.tiers, strict=False) if t in ("best", "near_best")
        )

    def tier(self, stat: RegimeStat) -> str | None:
        """``stat``'s tier (None unless the ranking is clear)."""
        for s, t in zip(self.ranked, self.tiers, strict=False):
            if s is stat:
                return t
        return None


def half_width(s: RegimeStat) -> float:
    """Half the width of a regime's 95 % CI."""
    return (s.hi - s.lo) / 2


def replications_needed(ranked: Sequence[RegimeStat], scale: float | None) -> int:
    """The too-wide-interval rule, in one place: 0 when the intervals of ``ranked`` (best
    first, worst last) are narrow enough to mean something, else about how many
    replications per regime would be needed.

    Too wide: the widest half-width ``h`` is larger than the difference ``d`` between
    the best and the worst mean and larger than :data:`WIDE_FRACTION` x ``scale``. The
    number needed narrows ``h`` (which shrinks with the square root of the number of
    runs) to ``max(d / 2, WIDE_FRACTION x scale)``: enough for intervals of the present
    difference not to overlap, or to show that the regimes differ by less than that
    fraction of the scale. It is a rough guide (the t quantile and the spread change
    too), at least one more than now. ``scale`` None: never too wide.
    """
    if scale is None or not math.isfinite(scale) or scale <= 0 or len(ranked) < 2:
        return 0
    h = max(half_width(s) for s in ranked)
    d = abs(ranked[0].mean - ranked[-1].mean)
    floor = WIDE_FRACTION * scale
    if not (h > d and h > floor):
        return 0
    n = min(s.n for s in ranked)
    target = max(d / 2, floor)
    return max(n + 1, math.ceil(n * (h / target) ** 2))


def rank(stats: Sequence[RegimeStat], better: str | None, scale: float | None = None) -> Ranking:
    """Rank regimes on one measure (see the module docstring for the rule); ``scale``
    (the measure's scale) turns on the too-wide-interval rule."""
    valid = [s for s in stats if s.valid]
    ranked = tuple(sorted(valid, key=lambda s: s.mean, reverse=(better != "lower")))
    if not ranked:
        return Ranking("none", (), (), better)
    if len(ranked) == 1:
        return Ranking("single", ranked, (), better)
    if any(s.n < 2 for s in ranked):
        return Ranking("unranked", ranked, (), better)
    best, worst = ranked[0], ranked[-1]
    if overlap(best, worst):
        needed = replications_needed(ranked, scale)
        if needed:
            return Ranking("too_wide", ranked, (), better, needed)
        return Ranking("same", ranked, (), better)
    tiers = []
    for s in ranked:
        if s is best:
            tiers.append("best")
        elif s is worst:
            tiers.append("worst")
        else:
            near_best, near_worst = overlap(s, best), overlap(s, worst)
            tiers.append(
                "either"
                if near_best and near_worst
                else "near_best"
                if near_best
                else "near_worst"
                if near_worst
                else "between"
            )
    return Ranking("clear", ranked, tuple(tiers), better)


def join(names: Sequence[str]) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Words:
    """The words of a ranking (:func:`words`).

    ``superlative``: ``"lowest"`` or ``"highest"`` (the best value); ``leaders``: the
    leaders' labels joined (``"Foundation-first and Hybrid"``); ``everyone``: every
    regime with data, in the given order, joined; ``notes``: for each regime in
    ``ranked`` order, the hedge that follows its value in a finding
    (``", about the same as Foundation-first"``, ``", not clearly different from
    either"`` or ``""``).
    """

    superlative: str
    leaders: str
    everyone: str
    notes: tuple[str, ...]


def words(ranking: Ranking, order: Sequence[RegimeStat] | None = None) -> Words:
    """The words both a chart title and a finding use for ``ranking``.

    ``order``: the regimes in display order, for ``everyone`` (default: ranked order).
    """
    superlative = "lowest" if ranking.better == "lower" else "highest"
    shown = [s for s in order if s.valid] if order is not None else list(ranking.ranked)
    notes = []
    for t in ranking.tiers or ("",) * len(ranking.ranked):
        notes.append(
            ", about the same as " + ranking.best.label
            if t == "near_best"
            else ", about the same as " + ranking.worst.label
            if t == "near_worst"
            else ", not clearly different from either"
            if t == "either"
            else ""
        )
    return Words(
        superlative,
        join([s.label for s in ranking.leaders]),
        join([s.label for s in shown]),
        tuple(notes),
    )
