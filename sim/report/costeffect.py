"""The section "Stability per dollar" of the compare/run report.

For every option of a comparison (a training regime, a pay rise, a float pool, an
in-service programme: any regime or variant) against the status quo (``jit``, or the
first regime when there is no ``jit``), :func:`sim.analysis.costeffect.cost_effectiveness`
gives the incremental cost, the leavers avoided, the client-years of stable care
gained, the cost per leaver avoided and per client-year of stable care gained, and the
break-even points, each with a 95 % interval. This module turns that into:

* ``costeffect.csv``: the table itself (columns described in ``columns.csv``);
* ``costeffect.<fmt>``: the cost-effectiveness plane, two panels (incremental cost a
  year against leavers avoided a year, and against client-years of stable care gained),
  each option a point with its 95 % intervals as error bars;
* a section of ``report.md`` and ``report.html``: a table (one row per quantity, one
  column per option), a plain-language reading of each option, the chart and notes.

:func:`add_section` does all of it; :func:`sim.report.report.write_report` calls it
once. A ratio whose denominator's interval includes zero is shown as "not estimable",
never as a number.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.analysis.costeffect import (
    NEEDED,
    cost_effectiveness,
    leaver_cost,
    programme_cost,
)
from sim.analysis.mdtable import markdown_table, md_text
from sim.analysis.periods import WHOLE_RUN, Period, whole_run_values
from sim.analysis.summary import format_value, n_clients_by_regime, regime_label
from sim.core.params import PARAMS
from sim.report.charts import regime_color, style_rc

__all__ = [
    "HEADING",
    "CostEffectSection",
    "WholeRun",
    "add_section",
    "display_table",
    "plot_plane",
    "reading",
    "section",
    "whole_reading",
]

#: Heading of the section in both reports.
HEADING = "Stability per dollar"

_DASH = "–"


@dataclass(frozen=True)
class CostEffectSection:
    """What the section shows: the tidy table, its display form, the sentences, notes."""

    table: pd.DataFrame
    display: pd.DataFrame
    intro: str
    sentences: list[str]
    notes: list[str]
    reference: str
    labels: dict[str, str]
    #: The same comparison over the whole run, a year on average (None for a run of a
    #: year or less, or without the weekly series).
    whole: WholeRun | None = None

    @property
    def tables(self) -> pd.DataFrame:
        """``costeffect.csv``: the final year's rows, then the whole run's."""
        if self.whole is None:
            return self.table
        return pd.concat([self.table, self.whole.table], ignore_index=True)


@dataclass(frozen=True)
class WholeRun:
    """The section's second table: every reported week, a year on average."""

    table: pd.DataFrame
    display: pd.DataFrame
    heading: str
    intro: str
    sentences: list[str]


# ---------------------------------------------------------------------------
# inputs from the report's metadata
# ---------------------------------------------------------------------------


def _params(meta: Mapping[str, Any], regime: str) -> dict[str, Any]:
    """A regime's parameters from ``meta["params"]`` (per regime or flat)."""
    params = meta.get("params") or {}
    own = params.get(regime) if isinstance(params, Mapping) else None
    if isinstance(own, Mapping):
        return dict(own)
    if isinstance(params, Mapping):
        return {k: v for k, v in params.items() if not isinstance(v, Mapping)}
    return {}


def _reference(order: Sequence[str]) -> str:
    return "jit" if "jit" in order else order[0]


def section(
    runs: pd.DataFrame,
    meta: Mapping[str, Any],
    order: Sequence[str],
    timeseries: pd.DataFrame | None = None,
) -> CostEffectSection | None:
    """The section's content, or None when there is nothing to compare (one regime, or
    runs without the cost and turnover columns). With the runs' weekly ``timeseries``
    and a horizon longer than a year, also the whole run's table
    (:func:`sim.analysis.periods.whole_run_values`)."""
    order = [r for r in order if r in set(runs.get("regime", pd.Series(dtype=str)))]
    if len(order) < 2 or any(c not in runs.columns for c in NEEDED):
        return None
    ref = _reference(order)
    options = [r for r in order if r != ref]
    params = {r: _params(meta, r) for r in order}
    clients = n_clients_by_regime(meta, order)
    posts = {r: float(params[r].get("n_workers", PARAMS["n_workers"].default)) for r in order}
    c0 = leaver_cost(params[ref])
    horizon = int(meta.get("horizon_weeks") or 52)
    recurring = {r: programme_cost(params[r], params[ref], horizon) for r in options}
    common = {
        "n_clients": clients,
        "n_workers": posts,
        "reference": ref,
        "options": options,
        "leaver_cost": c0,
    }
    table = cost_effectiveness(runs, **common, recurring_cost=recurring)
    labels = {r: regime_label(r, meta) for r in order}
    n = int(table["n"].min()) if len(table) else 0
    how = (
        "paired replicate by replicate (every option ran on the same random numbers as "
        f"{labels[ref]})"
        if bool(table["paired"].all())
        else "not all paired (some options did not run on the same seeds), so those are "
        "compared as independent samples"
    )
    intro = (
        f"What each option buys for its money, against {labels[ref]}: the difference in "
        "the agency's spending in the final year, in leavers, and in clients who kept one "
        "primary worker all year (client-years of stable care), and what one avoided "
        f"leaver or one client-year of stable care costs. Mean difference over {n} "
        f"replications with its 95 % confidence interval in brackets, {how}."
    )
    whole = None
    if (
        timeseries is not None
        and horizon > 52
        and len(timeseries)
        and {"week", "regime", *NEEDED} <= set(timeseries.columns)
    ):
        whole = _whole_run(table, timeseries, horizon, common, params, labels, how)
    return CostEffectSection(
        table=table,
        display=display_table(table, labels),
        intro=intro,
        sentences=reading(table, labels),
        notes=_notes(c0, params[ref], posts[ref], whole is not None),
        reference=ref,
        labels=labels,
        whole=whole,
    )


def _whole_run(
    final: pd.DataFrame,
    timeseries: pd.DataFrame,
    horizon: int,
    common: Mapping[str, Any],
    params: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str],
    how: str,
) -> WholeRun:
    """The section's second table (:class:`WholeRun`); ``common``: the keyword arguments
    of the final year's :func:`cost_effectiveness` other than the recurring costs."""
    ref = common["reference"]
    runs = whole_run_values(timeseries, horizon, common["n_clients"])
    seeds = timeseries.groupby("run_id")["seed"].first() if "seed" in timeseries else None
    if seeds is not None and "run_id" in runs:
        runs["seed"] = runs["run_id"].map(seeds)
    recurring = {
        r: programme_cost(params[r], params[ref], horizon, whole_run=True)
        for r in common["options"]
    }
    table = cost_effectiveness(runs, **common, recurring_cost=recurring, period=WHOLE_RUN)
    period = Period(WHOLE_RUN, 0, horizon)
    intro = (
        f"The same comparison over the whole run ({period.span}), each quantity a year on "
        "average. It includes the first years after the change, while staff trained the "
        "old way are still leaving and being replaced, which the final year leaves out: "
        "spending and leavers are summed over the run and scaled to a year, and the share "
        "of clients who kept one primary worker all year is averaged over the years ending "
        f"at week {horizon}, {horizon - 52}, and so on back. Differences are {how}."
    )
    return WholeRun(
        table=table,
        display=display_table(table, labels),
        heading=f"Over the whole run ({period.span}), a year on average",
        intro=intro,
        sentences=whole_reading(final, table, labels),
    )


def whole_reading(final: pd.DataFrame, whole: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """One sentence per option: the whole run a year on average, beside the final year."""
    out = []
    last = {row.option: row for row in final.itertuples(index=False)}
    for row in whole.itertuples(index=False):
        name, ref = labels.get(row.option, row.option), labels.get(row.reference, row.reference)
        text = (
            f"Over the whole run, {name} costs {_usd(abs(row.cost_diff))} a year "
            f"{'more' if row.cost_diff >= 0 else 'less'} than {ref}"
            f"{_ci(row.cost_diff_low, row.cost_diff_high, _usd)}, with "
            f"{_fewer(row.leavers_avoided)} leavers a year"
            f"{_ci(row.leavers_avoided_low, row.leavers_avoided_high, _num)} and "
            f"{_num(abs(row.stable_gained))} "
            f"{'more' if row.stable_gained >= 0 else 'fewer'} client-years of stable care a "
            f"year{_ci(row.stable_gained_low, row.stable_gained_high, _num)}: "
            f"{_ratio_phrase(row)}."
        )
        f = last.get(row.option)
        if f is not None:
            text += (
                f" In the final year alone: {_usd(abs(f.cost_diff))} "
                f"{'more' if f.cost_diff >= 0 else 'less'} and {_fewer(f.leavers_avoided)} "
                "leavers."
            )
        out.append(text)
    return out


def _fewer(avoided: float) -> str:
    if not math.isfinite(avoided):
        return _DASH
    return f"{_num(abs(avoided))} {'fewer' if avoided >= 0 else 'more'}"


def _ratio_phrase(row: Any) -> str:
    status = row.cost_per_leaver_status
    if status == "ratio":
        ci = _ci(row.cost_per_leaver_avoided_low, row.cost_per_leaver_avoided_high, _usd)
        return f"{_usd(row.cost_per_leaver_avoided)} per leaver avoided{ci}"
    if status == "saves money":
        return "it saves money and avoids leavers"
    if status == "worse":
        return "it avoids no leavers"
    return "its change in leavers cannot be told from zero (cost per leaver not estimable)"


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------


def _usd(x: float) -> str:
    return format_value(x, "usd")


def _num(x: float) -> str:
    return format_value(x, "number", 1 if abs(x) < 100 else 0)


def _ci(lo: float, hi: float, fmt: Any) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    sep = " to " if lo < 0 or hi < 0 else _DASH
    return f" ({fmt(lo)}{sep}{fmt(hi)})"


def _ci_in(lo: float, hi: float, fmt: Any) -> str:
    """``", 95 % CI a to b"``, for an interval inside brackets."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    return f", 95 % CI {fmt(lo)} to {fmt(hi)}"


def _cell(row: Any, name: str, fmt: Any) -> str:
    mean = getattr(row, name)
    if not math.isfinite(mean):
        return _DASH
    lo, hi = getattr(row, f"{name}_low"), getattr(row, f"{name}_high")
    if row.n < 2:
        return fmt(mean)
    return fmt(mean) + _ci(lo, hi, fmt)


_STATUS_TEXT = {
    "leaver": {
        "not estimable": "not estimable (no clear change in leavers)",
        "worse": "none: more leavers",
        "saves money": "saves money and avoids leavers",
    },
    "stable": {
        "not estimable": "not estimable (no clear change in stable care)",
        "worse": "none: less stable care",
        "saves money": "saves money and gains stable care",
    },
}


def _ratio_cell(row: Any, name: str, status: str, kind: str) -> str:
    if status == "ratio":
        return _cell(row, name, _usd)
    return _STATUS_TEXT[kind][status]


def _break_even_cell(row: Any) -> str:
    if not math.isfinite(row.break_even_leaver_cost):
        return _DASH
    if row.break_even_leaver_cost_high <= 0:
        return "pays for itself at any cost per leaver"
    return _cell(row, "break_even_leaver_cost", _usd)


def _recurring_cells(row: Any) -> tuple[str, str]:
    if not math.isfinite(row.recurring_cost):
        return "– (paid per new hire, or none)", _DASH
    need = f"{_num(row.break_even_leavers)} a year"
    if math.isfinite(row.break_even_per_100_posts):
        need += f" ({_num(row.break_even_per_100_posts)} per 100 posts)"
    return _usd(row.recurring_cost), need


def display_table(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """One row per quantity, one column per option: the text of the report's table."""
    rows: list[list[str]] = [
        ["Extra cost a year, whole agency (USD)"],
        ["Extra cost per client-year (USD)"],
        ["Leavers avoided a year"],
        ["Leavers avoided a year per 100 posts"],
        ["Client-years of stable care gained a year"],
        ["Extra cost per leaver avoided (USD)"],
        ["Extra cost per client-year of stable care gained (USD)"],
        ["Break-even cost of one leaver (USD)"],
        ["Recurring cost known in advance (USD a year)"],
        ["Fewer leavers that would pay for it"],
    ]
    for row in table.itertuples(index=False):
        recurring, need = _recurring_cells(row)
        cells = [
            _cell(row, "cost_diff", _usd),
            _cell(row, "cost_diff_per_client_year", _usd),
            _cell(row, "leavers_avoided", _num),
            _cell(row, "leavers_avoided_per_100_posts", _num),
            _cell(row, "stable_gained", _num),
            _ratio_cell(row, "cost_per_leaver_avoided", row.cost_per_leaver_status, "leaver"),
            _ratio_cell(row, "cost_per_stable_year", row.cost_per_stable_status, "stable"),
            _break_even_cell(row),
            recurring,
            need,
        ]
        for r, c in zip(rows, cells, strict=True):
            r.append(c)
    ref = table["reference"].iloc[0] if len(table) else ""
    columns = [f"Against {labels.get(ref, ref)}"] + [labels.get(o, o) for o in table["option"]]
    return pd.DataFrame(rows, columns=columns)


def reading(table: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """One plain-language paragraph per option: what it costs, what it buys, whether it
    pays for itself."""
    out = []
    for row in table.itertuples(index=False):
        name, ref = labels.get(row.option, row.option), labels.get(row.reference, row.reference)
        more = "more" if row.cost_diff >= 0 else "less"
        cost = (
            f"{name} costs {_usd(abs(row.cost_diff))} a year {more} than {ref}"
            f"{_ci(row.cost_diff_low, row.cost_diff_high, _usd)}"
        )
        status = row.cost_per_leaver_status
        avoided = _ci(row.leavers_avoided_low, row.leavers_avoided_high, _num)
        if status == "not estimable":
            text = (
                f"{cost}. Its change in leavers ({_num(row.leavers_avoided)} fewer a year"
                f"{_ci_in(row.leavers_avoided_low, row.leavers_avoided_high, _num)}) cannot "
                "be told from zero, so its cost per leaver avoided is not estimable."
            )
        elif status == "worse":
            text = (
                f"{cost} and has more leavers ({_num(-row.leavers_avoided)} more a year"
                f"{_ci_in(-row.leavers_avoided_high, -row.leavers_avoided_low, _num)}): "
                "it buys no fewer leavers."
            )
        else:
            per = (
                "and saves money while doing so"
                if status == "saves money"
                else f"{_usd(row.cost_per_leaver_avoided)} per leaver avoided"
                f"{_ci(row.cost_per_leaver_avoided_low, row.cost_per_leaver_avoided_high, _usd)}"
            )
            text = (
                f"{cost} and avoids {_num(row.leavers_avoided)} leavers a year{avoided}: "
                f"{per}. " + _pays(row)
            )
        text += " " + _stable_text(row)
        if math.isfinite(row.recurring_cost):
            text += " " + _recurring_text(row, ref)
        out.append(text.strip())
    return out


def _pays(row: Any) -> str:
    c0 = _usd(row.leaver_cost)
    be, lo, hi = (
        row.break_even_leaver_cost,
        row.break_even_leaver_cost_low,
        row.break_even_leaver_cost_high,
    )
    if not math.isfinite(be):
        return (
            "The turnover costs it saves (recruiting, separation, onboarding) cannot be told "
            "from zero, so its break-even cost per leaver is not estimable."
        )
    ci = _ci(lo, hi, _usd)
    if hi <= 0:
        return (
            "It saves money even before counting what its fewer leavers save: it pays for "
            "itself whatever a leaver costs."
        )
    if hi < row.leaver_cost:
        return (
            f"It pays for itself through fewer leavers: it would break even if one leaver "
            f"cost {_usd(be)}{ci}, and the model charges {c0}."
        )
    if lo > row.leaver_cost:
        return (
            f"It does not pay for itself through fewer leavers: it would if one leaver "
            f"cost {_usd(be)}{ci} instead of the {c0} the model charges."
        )
    return (
        f"Whether it pays for itself cannot be told: it would break even if one leaver "
        f"cost {_usd(be)}{ci}, an interval that includes the {c0} the model charges."
    )


def _stable_text(row: Any) -> str:
    status = row.cost_per_stable_status
    gained = _ci(row.stable_gained_low, row.stable_gained_high, _num)
    if status == "ratio":
        ci = _ci(row.cost_per_stable_year_low, row.cost_per_stable_year_high, _usd)
        return (
            f"It gives {_num(row.stable_gained)} more clients a year a stable primary "
            f"worker{gained}: {_usd(row.cost_per_stable_year)} per client-year of stable "
            f"care gained{ci}."
        )
    if status == "saves money":
        return (
            f"It gives {_num(row.stable_gained)} more clients a year a stable primary "
            f"worker{gained} and saves money."
        )
    inside = _ci_in(row.stable_gained_low, row.stable_gained_high, _num)
    if status == "worse":
        return (
            f"Fewer clients keep one primary worker all year ({_num(row.stable_gained)} a "
            f"year{inside})."
        )
    return (
        f"Its change in clients who keep one primary worker all year ("
        f"{_num(row.stable_gained)} a year{inside}) cannot be told from zero: its cost "
        "per client-year of stable care is not estimable."
    )


def _recurring_text(row: Any, ref: str) -> str:
    need = row.break_even_leavers
    per100 = (
        f" ({_num(row.break_even_per_100_posts)} per 100 posts)"
        if math.isfinite(row.break_even_per_100_posts)
        else ""
    )
    text = (
        f"Its recurring cost, known in advance, is {_usd(row.recurring_cost)} a year; at "
        f"{_usd(row.leaver_cost)} a leaver, the turnover costs saved would cover it only "
        f"if it avoided {_num(need)} leavers a year{per100}"
    )
    if math.isfinite(row.reference_leavers) and need > row.reference_leavers:
        return (
            text + f", more than the {_num(row.reference_leavers)} who leave a year under "
            f"{ref}: it cannot pay for itself through fewer leavers alone."
        )
    return text + f"; it avoids {_num(row.leavers_avoided)}."


def _notes(
    c0: float, ref_params: Mapping[str, Any], posts: float, whole: bool = False
) -> list[str]:
    parts = {
        n: float(ref_params.get(n, PARAMS[n].default))
        for n in ("separation_cost", "recruit_cost", "onboarding_cost")
    }
    when = (
        "in the final year (in the second table, a year on average over the whole run)"
        if whole
        else "in the final year"
    )
    return [
        f"Costs are the agency's own spending {when} (the cost table above), "
        "wages included; what worse continuity costs clients, families or other services "
        "is not counted.",
        "Leavers are the workers who left in the same weeks (quits and dismissals, float "
        f"staff included); per 100 posts divides by the {posts:,.0f} budgeted posts. A "
        "client-year of stable care is a client in care all year who kept one primary "
        "worker all year (the share in the cost table times the client census).",
        "A cost per leaver avoided or per client-year gained is the mean extra cost divided "
        "by the mean gain; its interval is Fieller's, which is finite only when the gain's "
        "own interval excludes zero. Otherwise the ratio is not estimable and no number is "
        "given. A negative lower end means the option may save money.",
        f"The model charges {_usd(c0)} per leaver (separation "
        f"{_usd(parts['separation_cost'])}, recruiting the replacement "
        f"{_usd(parts['recruit_cost'])}, onboarding {_usd(parts['onboarding_cost'])}). "
        "Break-even cost of one leaver: the cost per leaver (all three scaled together) at "
        "which the option would cost no more than the reference, its turnover costs saved "
        "then making up for its other extra spending. Below the model's figure the option "
        "is already cheaper; 0 or less means it saves money even if leavers cost nothing. "
        "The turnover costs saved per leaver avoided are usually below the full figure: a "
        "hire who leaves within the onboarding weeks costs only the weeks worked.",
        "Recurring cost known in advance: the pay of the posts and the float pool at full "
        "staffing (a raise, a float pool) and an in-service programme's trainer and "
        "supervisor hours in the final year, against the reference; training regimes are "
        "paid per new hire, so their cost depends on turnover itself and is not known in "
        "advance. The fewer leavers that would pay for it is that cost divided by the cost "
        "of one leaver.",
    ]


# ---------------------------------------------------------------------------
# chart
# ---------------------------------------------------------------------------


def plot_plane(sec: CostEffectSection, order: Sequence[str] = ()) -> Figure:
    """The cost-effectiveness plane: extra cost a year (USD thousands) against leavers
    avoided a year (left) and client-years of stable care gained (right), each option a
    point with 95 % intervals in both directions."""
    t = sec.table
    order = list(order) or [sec.reference, *t["option"]]
    width, height = mpl.rcParams["figure.figsize"]
    fig = Figure(figsize=(width * 1.45, height * 1.1), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    panels = (
        ("leavers_avoided", "Leavers avoided a year"),
        ("stable_gained", "Client-years of stable care gained a year"),
    )
    y = t["cost_diff"].to_numpy(float) / 1000
    yerr = np.vstack(
        [
            np.clip(y - t["cost_diff_low"].to_numpy(float) / 1000, 0, None),
            np.clip(t["cost_diff_high"].to_numpy(float) / 1000 - y, 0, None),
        ]
    )
    for ax, (col, xlabel) in zip(axes, panels, strict=True):
        x = t[col].to_numpy(float)
        xerr = np.vstack(
            [
                np.clip(x - t[f"{col}_low"].to_numpy(float), 0, None),
                np.clip(t[f"{col}_high"].to_numpy(float) - x, 0, None),
            ]
        )
        ax.axhline(0, color="#333333", linewidth=0.9)
        ax.axvline(0, color="#333333", linewidth=0.9)
        for i, opt in enumerate(t["option"]):
            color = regime_color(opt, order)
            ax.errorbar(
                x[i],
                y[i],
                xerr=np.nan_to_num(xerr[:, i : i + 1]),
                yerr=np.nan_to_num(yerr[:, i : i + 1]),
                fmt="o",
                color=color,
                ecolor=color,
                capsize=4,
                label=sec.labels.get(opt, opt),
            )
        lo_x = min(0.0, float(np.nanmin(t[f"{col}_low"]))) if len(t) else 0.0
        hi_x = max(0.0, float(np.nanmax(t[f"{col}_high"]))) if len(t) else 1.0
        pad = 0.08 * (hi_x - lo_x or 1.0)
        ax.set_xlim(lo_x - pad, hi_x + pad)
        ax.set_xlabel(xlabel)
        for hx, hy, text in (
            (0.98, 0.97, "costs more, better"),
            (0.98, 0.03, "saves money, better"),
            (0.02, 0.97, "costs more, worse"),
        ):
            ax.text(
                hx,
                hy,
                text,
                transform=ax.transAxes,
                ha="right" if hx > 0.5 else "left",
                va="top" if hy > 0.5 else "bottom",
                fontsize="small",
                color="#666666",
            )
    y_lo = float(np.nanmin(t["cost_diff_low"])) / 1000 if len(t) else 0.0
    y_hi = float(np.nanmax(t["cost_diff_high"])) / 1000 if len(t) else 1.0
    span = (max(y_hi, 0.0) - min(y_lo, 0.0)) or 1.0
    axes[0].set_ylim(min(y_lo, 0.0) - 0.12 * span, max(y_hi, 0.0) + 0.12 * span)
    axes[0].set_ylabel(f"Extra cost a year against {sec.labels[sec.reference]} (USD)")
    axes[0].yaxis.set_major_formatter(lambda v, _: f"${v:,.0f}k")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.suptitle(
        f"Stability per dollar against {sec.labels[sec.reference]}: extra cost a year and "
        "what it buys (final year, 95 % intervals)",
        x=0.01,
        ha="left",
        fontweight="bold",
    )
    return fig


def _save(fig: Figure, path: Path | io.BytesIO, fmt: str) -> None:
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    fig.savefig(path, format=fmt, bbox_inches="tight", metadata=metadata)


# ---------------------------------------------------------------------------
# the report section
# ---------------------------------------------------------------------------


def _markdown(sec: CostEffectSection, chart: Path, title: str) -> str:
    e = md_text
    lines = [f"## {HEADING}", "", e(sec.intro), ""]
    lines.append(markdown_table(list(sec.display.columns), sec.display.itertuples(index=False)))
    lines += [f"- {e(t)}" for t in sec.sentences] + [""]
    if sec.whole is not None:
        w = sec.whole
        lines += [f"### {e(w.heading)}", "", e(w.intro), ""]
        lines.append(markdown_table(list(w.display.columns), w.display.itertuples(index=False)))
        lines += [f"- {e(t)}" for t in w.sentences] + [""]
    if chart.suffix == ".pdf":
        lines += [f"[{e(title)} (PDF)]({chart.name})", ""]
    else:
        alt = e(title).replace("[", "(").replace("]", ")")
        lines += [f"![{alt}]({chart.name})", "", f"*{e(title)}*", ""]
    lines += [f"- {e(n)}" for n in sec.notes] + [""]
    lines += ["The numbers are in `costeffect.csv` (columns in `columns.csv`).", "", ""]
    return "\n".join(lines)


def _text(value: object) -> str:
    return html.escape(str(value)).replace(" %", "\u00a0%")


def _html(sec: CostEffectSection, png: bytes, title: str) -> str:
    e = html.escape
    out = [f"<h2>{e(HEADING)}</h2>", f'<p class="note">{_text(sec.intro)}</p>']
    out.append(_html_table(sec.display))
    out.append('<ul class="findings">' + "".join(f"<li>{_text(t)}</li>" for t in sec.sentences))
    out[-1] += "</ul>"
    if sec.whole is not None:
        w = sec.whole
        out += [f"<h3>{e(w.heading)}</h3>", f'<p class="note">{_text(w.intro)}</p>']
        out.append(_html_table(w.display))
        out.append('<ul class="findings">' + "".join(f"<li>{_text(t)}</li>" for t in w.sentences))
        out[-1] += "</ul>"
    data = base64.b64encode(png).decode("ascii")
    out.append(
        f'<figure><img src="data:image/png;base64,{data}" alt="{e(title)}">'
        f"<figcaption>{e(title)}</figcaption></figure>"
    )
    out.append("<ul>" + "".join(f'<li class="note">{_text(n)}</li>' for n in sec.notes) + "</ul>")
    out.append(
        '<p class="note">The numbers are in <code>costeffect.csv</code> (columns in '
        "<code>columns.csv</code>).</p>"
    )
    return "\n".join(out) + "\n"


def _html_table(d: pd.DataFrame) -> str:
    e = html.escape
    table = ["<table>", "<thead><tr>"]
    table += [f'<th scope="col">{e(str(c))}</th>' for c in d.columns]
    table += ["</tr></thead>", "<tbody>"]
    for row in d.itertuples(index=False, name=None):
        cells = [f'<th scope="row">{e(str(row[0]))}</th>']
        cells += [f"<td>{_text(v)}</td>" for v in row[1:]]
        table.append("<tr>" + "".join(cells) + "</tr>")
    table.append("</tbody></table>")
    return "\n".join(table)


def _insert(text: str, after: str, marker: str, block: str) -> str:
    """``block`` before the first ``marker`` that follows ``after`` (or at the end)."""
    start = text.find(after)
    at = text.find(marker, start + len(after)) if start >= 0 else -1
    if at < 0:
        return text + block
    return text[:at] + block + text[at:]


def add_section(
    md: str,
    page: str,
    out: Path,
    runs: pd.DataFrame,
    meta: Mapping[str, Any],
    order: Sequence[str],
    *,
    fmt: str = "png",
    classroom: bool = False,
    paths: dict[str, Path] | None = None,
    timeseries: pd.DataFrame | None = None,
) -> tuple[str, str]:
    """Write ``costeffect.csv`` and ``costeffect.<fmt>`` into ``out`` and put the
    section "Stability per dollar" into the Markdown ``md`` and the HTML ``page`` right
    after their section "Costs". Returns the new ``(md, page)``; with nothing to compare
    (one regime) they come back unchanged and nothing is written. ``paths`` (the report's
    ``{name: path}``) gains ``costeffect`` and ``costeffect_csv``. With the weekly
    ``timeseries`` of a run longer than a year, the section and the CSV (``period =
    whole_run``) also cover the whole run."""
    sec = section(runs, meta, order, timeseries)
    if sec is None:
        return md, page
    out = Path(out)
    csv_path = out / "costeffect.csv"
    sec.tables.to_csv(csv_path, index=False)
    chart = out / f"costeffect.{fmt}"
    with mpl.rc_context(style_rc(classroom)):
        fig = plot_plane(sec, order)
        _save(fig, chart, fmt)
        if fmt == "png":
            png = chart.read_bytes()
        else:
            buf = io.BytesIO()
            _save(fig, buf, "png")
            png = buf.getvalue()
        title = " ".join(str(fig.get_suptitle()).split())
        fig.clear()
    if paths is not None:
        paths["costeffect"] = chart
        paths["costeffect_csv"] = csv_path
    md = _insert(md, "## Costs\n", "\n## ", "\n" + _markdown(sec, chart, title).rstrip("\n") + "\n")
    page = _insert(page, "<h2>Costs</h2>", "<h2>", _html(sec, png, title))
    return md, page
