"""The interactive dashboard: a Mesa SolaraViz app of one agency, week by week.

Two pages, both driven by Mesa's :func:`~mesa.visualization.SolaraViz` (its sidebar
gives play / pause, step, reset, the play and render intervals, and the parameter
inputs):

* :data:`page` (route ``/``): one agency under one training regime: a picture of the
  agency (:func:`agency_figure`) and live charts of turnover, high burnout,
  continuity of care and vacancies (:func:`metrics_figure`).
* :data:`compare_page` (route ``/compare``): two agencies with the same seed and
  parameters under two regimes, stepped together (:class:`ComparisonModel`).

``workforce-sim dashboard`` serves both; in Jupyter, ``from sim.app import page; page``
(or ``compare_page``) shows one of them in the notebook.

The inputs are generated from the parameter registry (:func:`slider_spec`): a slider
takes its label (``name (unit)``), range and default from :data:`sim.core.params.PARAMS`
(a true/false parameter is a tick box, :func:`checkbox_spec`). They come in groups
(:data:`CONTROL_GROUPS`): the agency, pay, the training of new hires, the JIT
assumptions (module coverage and wait, learner motivation, self-assessment, mentor
detection), the in-service programme and the shock. The
few registry ranges meant for batch runs (e.g. up to 100,000 posts) are capped for a
live picture by :data:`DASHBOARD_MAX`; the caps only ever lower the maximum.

Training parameters belong to the regime. The regime selector picks a preset
(:data:`sim.core.params.REGIMES`); the ``preservice_hours`` and ``mentoring_hours`` sliders
apply only when "Override the regime's training hours" is ticked, so the regime's own
values are used unless a user asks otherwise.

The seed is a text box: a whole number is used as it is; any other text is turned into
a seed by a stable hash (the same text, the same run); a blank box draws a fresh seed at
each reset. The seed in use is shown above the picture. (Mesa passes the text box's
string straight to the model on reset, which is why :class:`DashboardModel` parses it.)

The pictures are matplotlib figures rendered to PNG on the server (no browser plotting
library is needed, so the dashboard works offline); the main area is laid out with
plain Solara columns rather than SolaraViz's draggable grid, which loads a JavaScript
library from a CDN.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import sys
import threading
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import mesa
import numpy as np
import pandas as pd
import solara
import solara.lab
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.analysis.summary import value_kind
from sim.core.model import WorkforceModel
from sim.core.outputs import METRICS
from sim.core.params import PARAMS, REGIME_LABELS, REGIMES, format_value
from sim.report.charts import regime_color, style_rc

__all__ = [
    "CHART_METRICS",
    "CHECKBOXES",
    "CONTROLS",
    "CONTROL_GROUPS",
    "DASHBOARD_MAX",
    "DEFAULT_SEED",
    "RECENT_WEEKS",
    "SLIDERS",
    "TRAINING_OVERRIDES",
    "ComparisonModel",
    "DashboardModel",
    "agency_figure",
    "checkbox_spec",
    "compare_page",
    "compare_params",
    "explainer_html",
    "grid_rows",
    "metrics_figure",
    "model_params",
    "model_series",
    "page",
    "parse_seed",
    "regime_key",
    "routes",
    "slider_spec",
]

#: The measures charted live (datacollector columns), in panel order.
CHART_METRICS: tuple[str, ...] = ("turnover_rate", "burnout_high_share", "coc", "vacancy_rate")

#: Registry parameters offered as inputs, by group, in sidebar order: numbers are
#: sliders (:data:`SLIDERS`), true/false parameters tick boxes (:data:`CHECKBOXES`).
CONTROL_GROUPS: dict[str, tuple[str, ...]] = {
    "Agency": ("n_workers", "n_clients", "float_pool", "time_to_fill", "outside_options"),
    "Pay": ("wage", "benefits_rate"),
    "Training of new hires": ("preservice_hours", "mentoring_hours"),
    "JIT assumptions": (
        "module_coverage",
        "module_wait_weeks",
        "learner_motivation",
        "self_assessment",
        "mentor_detection",
    ),
    "In-service programme": (
        "inservice_weeks",
        "inservice_training_hours",
        "inservice_supervision_hours",
        "inservice_modules",
    ),
    "Shock": (
        "shock_start",
        "shock_weeks",
        "shock_demand",
        "shock_absence",
        "shock_hiring",
        "shock_outside_options",
    ),
}

#: Every input from the registry, in sidebar order.
CONTROLS: tuple[str, ...] = tuple(n for names in CONTROL_GROUPS.values() for n in names)

#: Registry parameters offered as sliders, in sidebar order.
SLIDERS: tuple[str, ...] = tuple(n for n in CONTROLS if PARAMS[n].kind != "bool")

#: True/false registry parameters offered as tick boxes.
CHECKBOXES: tuple[str, ...] = tuple(n for n in CONTROLS if PARAMS[n].kind == "bool")

#: Training (regime) parameters that the sliders override only when asked to.
TRAINING_OVERRIDES: tuple[str, ...] = ("preservice_hours", "mentoring_hours")

#: Upper limits for a live picture where the registry allows far more (batch runs).
DASHBOARD_MAX: dict[str, float] = {
    "n_workers": 1000,
    "n_clients": 3000,
    "float_pool": 100,
    "shock_start": 260,
    "shock_weeks": 260,
    "inservice_weeks": 260,
}

#: Seed of a fresh dashboard (the text box's initial value).
DEFAULT_SEED = 42

#: How long new hires stay ringed and a leaver's empty post stays marked, in weeks.
RECENT_WEEKS = 8

_LABEL_TO_REGIME = {label: key for key, label in REGIME_LABELS.items()}
_STEPS = (10, 5, 4, 2, 1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001)


# ---------------------------------------------------------------------------
# inputs from the registry
# ---------------------------------------------------------------------------


def _slider_step(name: str) -> float:
    """A round step of about 1/60 of the range that hits the default and the presets."""
    p = PARAMS[name]
    if p.kind == "int":
        return 1
    span = float(_slider_max(name)) - float(p.low)
    hits = [p.default] + [r[name] for r in REGIMES.values() if name in r]
    for step in _STEPS:
        if step <= span / 60 and all(
            abs((v - p.low) / step - round((v - p.low) / step)) < 1e-9 for v in hits
        ):
            return step
    return _STEPS[-1]


def _slider_max(name: str) -> float:
    p = PARAMS[name]
    cap = DASHBOARD_MAX.get(name)
    return p.high if cap is None else min(p.high, cap)


def slider_label(name: str) -> str:
    """``name (unit)``: the registry name (as in scenario files) and its unit."""
    unit = PARAMS[name].unit
    return f"{name} ({unit})" if unit else name


def slider_spec(name: str) -> dict[str, Any]:
    """A SolaraViz slider for registry parameter ``name`` (label, range, default)."""
    p = PARAMS[name]
    if p.kind not in ("int", "float"):
        raise ValueError(f"'{name}' is not numeric; it cannot be a slider")
    is_int = p.kind == "int"
    conv = int if is_int else float
    return {
        "type": "SliderInt" if is_int else "SliderFloat",
        "label": slider_label(name),
        "value": conv(p.default),
        "min": conv(p.low),
        "max": conv(_slider_max(name)),
        "step": _slider_step(name),
    }


def checkbox_spec(name: str) -> dict[str, Any]:
    """A SolaraViz tick box for true/false registry parameter ``name``."""
    p = PARAMS[name]
    if p.kind != "bool":
        raise ValueError(f"'{name}' is not true/false; it cannot be a tick box")
    return {"type": "Checkbox", "value": bool(p.default), "label": name}


def _regime_select(label: str, regime: str) -> dict[str, Any]:
    return {
        "type": "Select",
        "label": label,
        "value": REGIME_LABELS[regime],
        "values": list(REGIME_LABELS.values()),
    }


def _common_params() -> dict[str, Any]:
    out: dict[str, Any] = {
        "seed": {
            "type": "InputText",
            "label": "Seed (whole number; blank = new each reset)",
            "value": str(DEFAULT_SEED),
        },
    }
    for name in CONTROLS:
        if name == TRAINING_OVERRIDES[0]:
            out["override_training"] = {
                "type": "Checkbox",
                "value": False,
                "label": "Override the regime's training hours (next two sliders)",
            }
        out[name] = checkbox_spec(name) if name in CHECKBOXES else slider_spec(name)
    return out


def model_params() -> dict[str, Any]:
    """SolaraViz ``model_params`` of the one-regime page."""
    return {"regime": _regime_select("Training regime", "jit"), **_common_params()}


def compare_params() -> dict[str, Any]:
    """SolaraViz ``model_params`` of the side-by-side page."""
    return {
        "regime_a": _regime_select("Regime on the left", "jit"),
        "regime_b": _regime_select("Regime on the right", "foundation"),
        **_common_params(),
    }


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


def regime_key(regime: str) -> str:
    """A regime name from a key (``"jit"``) or its label (``"JIT-only"``)."""
    return _LABEL_TO_REGIME.get(regime, regime)


def parse_seed(value: Any) -> int:
    """A non-negative integer seed from the dashboard's seed box (see module docs)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return int(np.random.SeedSequence().entropy % (2**32))
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0:
        return int(value)
    text = str(value).strip()
    try:
        n = int(text)
    except ValueError:
        n = -1
    return n if n >= 0 else zlib.crc32(text.encode("utf-8"))


def _layout_cols(n_posts: int) -> int:
    """Columns of the worker grid: a 4:3 block with room for ~10 % more workers."""
    return max(3, math.ceil(math.sqrt(1.1 * max(n_posts, 1) * 4 / 3)))


class DashboardModel(WorkforceModel):
    """A :class:`WorkforceModel` for the dashboard.

    Accepts the dashboard's inputs (regime key or label, seed text, the training
    override tick box; Mesa's empty ``scenario`` on reset is ignored), remembers when
    each worker slot was last vacated (for the picture), and guards a step with a lock
    so a picture never reads half a week.
    """

    def __init__(
        self,
        regime: str = "jit",
        *,
        seed: Any = DEFAULT_SEED,
        override_training: bool = False,
        scenario: Any = None,
        rng: Any = None,
        **params: Any,
    ) -> None:
        del scenario  # Mesa's SolaraViz passes an empty Scenario on reset
        if not override_training:
            for name in TRAINING_OVERRIDES:
                params.pop(name, None)
        self.seed = parse_seed(seed if rng is None else rng)
        self.lock = threading.RLock()
        super().__init__(regime_key(regime), rng=self.seed, **params)
        self.regime_label = REGIME_LABELS.get(self.regime, self.regime)
        self.layout_cols = _layout_cols(self.params["n_workers"] + self.params["float_pool"])
        self.left_week = np.full(self.workers.capacity, np.iinfo(np.int64).min // 2)

    def step(self) -> None:
        with self.lock:
            w = self.workers
            alive, wid = w.alive.copy(), w.wid.copy()
            super().step()
            n = alive.size
            gone = alive & (~w.alive[:n] | (w.wid[:n] != wid))
            if self.left_week.size < w.capacity:
                grown = np.full(w.capacity, np.iinfo(np.int64).min // 2)
                grown[: self.left_week.size] = self.left_week
                self.left_week = grown
            self.left_week[np.flatnonzero(gone)] = self.t


class ComparisonModel(mesa.Model):
    """Two :class:`DashboardModel` agencies, same seed and parameters, stepped together."""

    def __init__(
        self,
        regime_a: str = "jit",
        regime_b: str = "foundation",
        *,
        seed: Any = DEFAULT_SEED,
        override_training: bool = False,
        scenario: Any = None,
        rng: Any = None,
        **params: Any,
    ) -> None:
        del scenario
        self.seed = parse_seed(seed if rng is None else rng)
        super().__init__(rng=self.seed)
        self.a = DashboardModel(
            regime_a, seed=self.seed, override_training=override_training, **params
        )
        self.b = DashboardModel(
            regime_b, seed=self.seed, override_training=override_training, **params
        )
        self.running = True

    @property
    def t(self) -> int:
        return self.a.t

    def step(self) -> None:
        self.a.step()
        self.b.step()


# ---------------------------------------------------------------------------
# the agency picture
# ---------------------------------------------------------------------------

#: Exhaustion colours: ColorBrewer YlOrRd (colour-blind safe), pale = fresh, dark = burnt out.
EXHAUSTION_CMAP = LinearSegmentedColormap.from_list(
    "exhaustion", mpl.colormaps["YlOrRd"](np.linspace(0.08, 1.0, 256))
)
_AX_LEFT, _AX_RIGHT = 0.015, 0.86  # the agency picture's axes, as figure fractions
_CLIENT = "#6b7b8c"
_LINK = "#b9c2cc"
_LEFT = "#555555"


def _grid_xy(rows: np.ndarray, cols: int) -> np.ndarray:
    return np.column_stack([rows % cols, -(rows // cols)]).astype(float)


def agency_figure(
    model: WorkforceModel,
    ax: Any = None,
    recent_weeks: int = RECENT_WEEKS,
    legend: bool = True,
    min_rows: int = 0,
) -> Figure:
    """A picture of the agency now: one marker per worker, one dot per client.

    Workers sit on a grid by their post (a leaver's post is taken by the next hire),
    coloured by exhaustion; float-pool cover staff are squares; workers still in
    pre-service training are hatched; hires of the last ``recent_weeks`` weeks are
    ringed; posts vacated in that time are hollow dashed circles. Each client is a
    small dot on a ring round their primary worker, linked to them by a line; clients
    with no primary worker wait in a block under the grid. Works on any
    :class:`WorkforceModel` (recent leavers need a :class:`DashboardModel`).
    ``min_rows`` pads the worker grid (to line up two pictures side by side).
    """
    lock = getattr(model, "lock", None) or threading.RLock()
    with lock:
        snap = _snapshot(model, recent_weeks)
    with mpl.rc_context(style_rc()):
        return _draw_agency(model, snap, ax, recent_weeks, legend, min_rows)


def grid_rows(model: WorkforceModel) -> int:
    """Rows of the worker grid that :func:`agency_figure` draws now (at least)."""
    p, w = model.params, model.workers
    cols = getattr(model, "layout_cols", None) or _layout_cols(p["n_workers"] + p["float_pool"])
    top = max(int(np.flatnonzero(w.alive).max(initial=-1)), p["n_workers"] - 1)
    return top // cols + 1


def _snapshot(model: WorkforceModel, recent_weeks: int) -> dict[str, Any]:
    w, c, t = model.workers, model.clients, model.t
    rows = np.flatnonzero(w.alive)
    left_week = getattr(model, "left_week", None)
    if left_week is not None:
        n = min(left_week.size, w.capacity)
        vac = np.flatnonzero((left_week[:n] > t - recent_weeks) & ~w.alive[:n])
    else:
        vac = np.zeros(0, dtype=int)
    return {
        "rows": rows,
        "float": w.is_float[rows].copy(),
        "exhaustion": w.exhaustion[rows].copy(),
        "training": w.start_week[rows] > t,
        "new": w.hire_week[rows] > t - recent_weeks,
        "vacated": vac,
        "primary": c.primary.copy(),
        "t": t,
    }


def _draw_agency(
    model: WorkforceModel,
    s: dict[str, Any],
    ax: Any,
    recent_weeks: int,
    legend: bool,
    min_rows: int = 0,
) -> Figure:
    p = model.params
    cols = getattr(model, "layout_cols", None) or _layout_cols(p["n_workers"] + p["float_pool"])
    rows = s["rows"]
    top = int(max(rows.max(initial=-1), s["vacated"].max(initial=-1), p["n_workers"] - 1))
    grid_rows = max(top // cols + 1, min_rows)

    # clients: a ring round the primary worker; the rest in a waiting row under the grid
    primary = s["primary"]
    has = primary >= 0
    order = np.argsort(primary, kind="stable")
    sorted_p = primary[order]
    first = np.searchsorted(sorted_p, sorted_p, side="left")
    rank = np.empty_like(primary)
    rank[order] = np.arange(primary.size) - first
    slots = max(int(p["max_caseload"]), int(rank[has].max(initial=0)) + 1)
    ang = np.pi / 2 + 2 * np.pi * rank[has] / slots
    home = _grid_xy(primary[has], cols)
    cxy = home + 0.34 * np.column_stack([np.cos(ang), np.sin(ang)])
    waiting = int(np.count_nonzero(~has))

    own = ax is None
    width = (
        7.2 if own else ax.figure.get_figwidth() * ax.get_position().width / (_AX_RIGHT - _AX_LEFT)
    )
    cell_pt = width * (_AX_RIGHT - _AX_LEFT) * 72 / (cols + 0.2)  # grid cell, if width-bound
    # the waiting clients: a block under the grid, at most about half the grid's area
    grid_bottom = -(grid_rows - 1) - 0.5
    span = cols - 0.1
    sp = min(1 / 3, math.sqrt(span * max(grid_rows, 2) * 0.5 / max(waiting, 1)))
    per_row = max(1, int(span / sp))
    label_h = 15 / cell_pt
    k = np.arange(waiting)
    wxy = np.column_stack(
        [-0.45 + sp / 2 + (k % per_row) * sp, grid_bottom - label_h - sp / 2 - (k // per_row) * sp]
    )
    bottom = wxy[:, 1].min() - sp / 2 - 0.1 if waiting else grid_bottom - 0.1
    if own:  # fixed layout (a layout engine would triple the drawing time)
        title_h, legend_h = 0.55, 0.55
        axes_w = width * (_AX_RIGHT - _AX_LEFT)
        axes_h = axes_w * (0.6 - bottom) / (cols + 0.2)
        height = min(max(axes_h + title_h + legend_h, 3.6), 10.0)
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.add_axes(
            (_AX_LEFT, legend_h / height, _AX_RIGHT - _AX_LEFT, 1 - (title_h + legend_h) / height)
        )
        ax.set_anchor("N")
    else:
        fig = ax.figure

    # marker sizes from the size of a grid cell in points
    bbox = ax.get_position()
    w_in, h_in = fig.get_size_inches()
    cell = min(w_in * bbox.width * 72 / (cols + 0.2), h_in * bbox.height * 72 / (0.6 - bottom))
    cell *= 0.8
    s_worker = (0.5 * cell) ** 2
    s_client = max((0.13 * cell) ** 2, 1.5)
    lw = max(0.3, min(1.0, cell / 40))

    ax.add_collection(
        LineCollection(
            np.stack([home, cxy], axis=1), colors=_LINK, linewidths=lw, zorder=1, gid="links"
        )
    )
    ax.scatter(cxy[:, 0], cxy[:, 1], s=s_client, color=_CLIENT, lw=0, zorder=2, gid="clients")
    if waiting:
        ax.scatter(
            wxy[:, 0],
            wxy[:, 1],
            s=max((0.5 * sp * cell) ** 2, 2.0),
            marker="x",
            color="black",
            lw=lw * 1.2,
            zorder=2,
            gid="clients_waiting",
        )
        ax.text(
            -0.45,
            grid_bottom - 0.1 * label_h,
            f"{_n(waiting, 'client')} without a primary worker (cover staff or no care)",
            fontsize=8.5,
            va="top",
            color="#333333",
        )

    norm = Normalize(0.0, 1.0)
    xy = _grid_xy(rows, cols)
    for is_float, marker, gid in ((False, "o", "workers"), (True, "s", "float_workers")):
        sel = s["float"] == is_float
        ax.scatter(
            xy[sel, 0],
            xy[sel, 1],
            c=s["exhaustion"][sel],
            cmap=EXHAUSTION_CMAP,
            norm=norm,
            s=s_worker * (0.8 if is_float else 1.0),
            marker=marker,
            edgecolors="#4d4d4d",
            linewidths=lw * 0.8,
            zorder=3,
            gid=gid,
        )
    tr = s["training"]
    if tr.any():
        with mpl.rc_context({"hatch.color": "#4d4d4d", "hatch.linewidth": lw * 0.8}):
            ax.scatter(
                xy[tr, 0],
                xy[tr, 1],
                s=s_worker,
                marker="o",
                facecolors="none",
                edgecolors="#4d4d4d",
                hatch="////",
                linewidths=0,
                zorder=4,
                gid="in_training",
            )
    new = s["new"]
    ax.scatter(
        xy[new, 0],
        xy[new, 1],
        s=s_worker * 2.1,
        marker="o",
        facecolors="none",
        edgecolors="black",
        linewidths=lw * 1.8,
        zorder=4,
        gid="new_hires",
    )
    vxy = _grid_xy(s["vacated"], cols)
    ax.scatter(
        vxy[:, 0],
        vxy[:, 1],
        s=s_worker,
        marker="o",
        facecolors="none",
        edgecolors=_LEFT,
        linewidths=lw * 1.3,
        linestyles="--",
        zorder=3,
        gid="recent_leavers",
    )

    ax.set_aspect("equal")
    ax.set_xlim(-0.6, cols - 0.4)
    ax.set_ylim(bottom, 0.6)
    ax.axis("off")
    n_float = int(np.count_nonzero(s["float"]))
    label = REGIME_LABELS.get(model.regime, model.regime)
    title = (
        f"{label}, week {s['t']}: {_n(rows.size, 'worker')}"
        + (f" ({n_float} float)" if n_float else "")
        + f"\n{int(np.count_nonzero(new))} hired and {s['vacated'].size} left in "
        f"the last {recent_weeks} weeks"
    )
    if own:
        fig.text(
            0.015,
            1 - 0.12 / fig.get_figheight(),
            title,
            ha="left",
            va="top",
            fontsize=10.5,
            fontweight="bold",
            linespacing=1.3,
        )
        if legend:
            _agency_legend(fig, ax, recent_weeks, p["burnout_high_threshold"])
    else:
        ax.set_title(title, fontsize=10.5, loc="left")
    return fig


def _agency_legend(fig: Figure, ax: Any, recent_weeks: int, threshold: float) -> None:
    mid = EXHAUSTION_CMAP(0.35)
    handles = [
        Line2D([], [], ls="", marker="o", ms=9, mfc=mid, mec="#4d4d4d", label="Worker"),
        Line2D([], [], ls="", marker="s", ms=8, mfc=mid, mec="#4d4d4d", label="Float-pool cover"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=11,
            mfc="none",
            mec="black",
            mew=1.8,
            label=f"Hired, last {recent_weeks} wk",
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=9,
            mfc="none",
            mec=_LEFT,
            mew=1.2,
            label=f"Post left, last {recent_weeks} wk",
        ),
        Patch(facecolor=mid, edgecolor="#4d4d4d", hatch="////", label="In pre-service training"),
        Line2D(
            [0, 1],
            [0, 0],
            color=_LINK,
            marker="o",
            ms=3.5,
            mfc=_CLIENT,
            mec=_CLIENT,
            markevery=[1],
            label="Client — primary worker",
        ),
        Line2D([], [], ls="", marker="x", ms=6, color="black", label="Client, no primary"),
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncols=4,
        fontsize=8.5,
        handletextpad=0.4,
        columnspacing=1.0,
        frameon=False,
    )
    pos = ax.get_position()
    cax = fig.add_axes((_AX_RIGHT + 0.02, pos.y0 + 0.25 * pos.height, 0.022, 0.55 * pos.height))
    cb = fig.colorbar(mpl.cm.ScalarMappable(Normalize(0, 1), EXHAUSTION_CMAP), cax=cax)
    cb.set_label("Exhaustion (line: high burnout)", fontsize=9)
    cb.ax.tick_params(labelsize=8)
    cb.ax.axhline(threshold, color="black", lw=1.5)


# ---------------------------------------------------------------------------
# the live charts
# ---------------------------------------------------------------------------

Series = tuple[str, str, pd.DataFrame]  # (label, colour, datacollector frame)


def model_series(model: DashboardModel) -> Series:
    """``(label, colour, weekly measures)`` of one model, for :func:`metrics_figure`."""
    lock = getattr(model, "lock", None) or threading.RLock()
    with lock:
        df = model.datacollector.get_model_vars_dataframe()
    return (REGIME_LABELS.get(model.regime, model.regime), regime_color(model.regime), df)


def _fmt_value(metric: str, v: float) -> str:
    if not np.isfinite(v):
        return "–"
    if value_kind(metric) == "percent":
        return f"{v * 100:.0f} %"
    return f"{v:.2f}"


def _value_labels(ax: Any, series: Sequence[Series], now: list[str], metric: str) -> None:
    """Latest values in each series' colour, in the emptier of the top or bottom band."""
    top = ax.get_ylim()[1] or 1.0
    ys = (
        np.concatenate(
            [df[metric].to_numpy(float) for _, _, df in series if metric in df] or [np.zeros(0)]
        )
        / top
    )
    at_top = np.count_nonzero(ys > 0.72) <= np.count_nonzero(ys < 0.28)
    for i, ((label, color, _), v) in enumerate(zip(series, now, strict=False)):
        y = 0.96 - 0.1 * i if at_top else 0.04 + 0.1 * (len(now) - 1 - i)
        ax.text(
            0.02,
            y,
            f"{label}: {v}",
            color=color,
            transform=ax.transAxes,
            fontsize=9,
            fontweight="bold",
            va="top" if at_top else "bottom",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
        )


def metrics_figure(
    series: Sequence[Series],
    shock: tuple[int, int] | None = None,
    figsize: tuple[float, float] = (7.2, 6.4),
    ncols: int = 2,
) -> Figure:
    """Live charts: one panel per :data:`CHART_METRICS` measure, one line per model.

    Each frame is a model's datacollector table (row ``i`` = week ``i``). ``shock`` =
    ``(start, weeks)`` shades the shock. Panel titles give the latest values. ``ncols``
    panels per row (2: a 2 x 2 block; 4: one row).
    """
    with mpl.rc_context(style_rc()):
        fig = Figure(figsize=figsize)  # fixed margins: a layout engine triples drawing time
        FigureCanvasAgg(fig)
        nrows = math.ceil(len(CHART_METRICS) / ncols)
        w, h = figsize
        fig.subplots_adjust(
            left=0.62 / w,
            right=1 - 0.12 / w,
            top=1 - 0.32 / h,
            bottom=(0.95 if nrows == 1 else 0.9) / h,
            wspace=0.55 * 7.2 / w,
            hspace=0.75 / (h / nrows),
        )
        axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
        last_week = max((len(df) - 1 for _, _, df in series), default=0)
        for ax, metric in zip(axes, CHART_METRICS, strict=True):
            m = METRICS[metric]
            now = []
            top = 0.0
            for label, color, df in series:
                y = df[metric].to_numpy(float) if metric in df else np.zeros(0)
                ax.plot(np.arange(y.size), y, color=color, lw=2.0, label=label)
                if y.size:
                    ax.plot([y.size - 1], [y[-1]], "o", color=color, ms=4.5)
                    now.append(_fmt_value(metric, y[-1]))
                    top = max(top, float(np.nanmax(y)) if np.isfinite(y).any() else 0.0)
            if shock and shock[1] > 0 and shock[0] <= last_week:
                ax.axvspan(
                    shock[0], shock[0] + shock[1], color="#888888", alpha=0.15, lw=0, label="Shock"
                )
            if value_kind(metric) == "percent":
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            hi = m.high if (m.high is not None and top > 0.6 * m.high) else top * 1.25
            ax.set_ylim(0, max(hi, 0.05))
            ax.set_xlim(0, max(last_week, 10))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            if len(series) == 1 and now:
                ax.set_title(f"{m.label}: {now[0]}", fontsize=10.5)
            else:
                ax.set_title(m.label, fontsize=10.5)
                _value_labels(ax, series, now, metric)
            ax.tick_params(labelsize=9)
        for ax in axes[-ncols:]:
            ax.set_xlabel("Week since the regime started", fontsize=9.5)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=len(labels),
            fontsize=9.5,
        )
        return fig


# ---------------------------------------------------------------------------
# Solara components
# ---------------------------------------------------------------------------


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with mpl.rc_context(style_rc()):
        fig.savefig(buf, format="png", dpi=110, facecolor="white")
    return buf.getvalue()


def _shock(model: WorkforceModel) -> tuple[int, int]:
    return int(model.params["shock_start"]), int(model.params["shock_weeks"])


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def _status(model: DashboardModel) -> str:
    m = model.metrics
    waiting = int(np.count_nonzero(model.clients.primary < 0))
    return (
        f"{model.regime_label} · seed {model.seed} · week {model.t} · "
        f"{_n(int(m['headcount']), 'worker')} ({int(m['in_training'])} in training) · "
        f"{_n(int(m['vacancies']), 'vacancy').replace('vacancys', 'vacancies')} · "
        f"{_n(waiting, 'client')} without a primary worker"
    )


def _settings(model: DashboardModel) -> str:
    """The training this run's new hires get, and the inputs changed from the defaults."""
    v = model.params
    training = (
        f"New hires: {format_value(v['preservice_hours'])} h pre-service, "
        f"modules {'on' if v['modules_available'] else 'off'}, "
        + (
            f"{format_value(v['mentoring_hours'])} h/week mentoring"
            if v["mentoring_hours"]
            else "no mentoring"
        )
        + (
            f", {format_value(v['refresher_hours'])} h/year refresher"
            if v["refresher_hours"]
            else ""
        )
    )
    changed = [
        f"{n} = {format_value(v[n])} {PARAMS[n].unit}".rstrip()
        for n in CONTROLS
        if n not in TRAINING_OVERRIDES and v[n] != PARAMS[n].default
    ]
    return training + (" · Changed: " + ", ".join(changed) if changed else "")


@contextlib.contextmanager
def _untraced():
    """Run without the calling thread's trace function.

    Solara traces the threads it starts (``use_thread``, e.g. Mesa's "Use Threads"
    mode) to be able to cancel them, which makes drawing a figure ten times slower; it
    never cancels a render anyway.
    """
    trace = sys.gettrace()
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(trace)


def _draw(make: Any) -> bytes:
    with _untraced():
        return _png(make())


@solara.component
def _Picture(make: Any, key: Any, classes: list[str]) -> None:
    data = solara.use_memo(lambda: _draw(make), key)
    solara.Image(data, width="100%", classes=classes)


@solara.component
def AgencyView(model: DashboardModel) -> None:
    """Status line, agency picture and live charts of one model."""
    update_counter.get()
    key = [id(model), model.steps]
    solara.Text(
        _status(model), classes=["wf-status"], style={"font-size": "15px", "font-weight": "500"}
    )
    solara.Text(_settings(model), classes=["wf-settings"], style=_SMALL)
    with solara.Columns([1, 1]):
        with solara.Card(margin=0, classes=["wf-card"]):
            _Picture(lambda: agency_figure(model), key, ["wf-agency"])
        with solara.Card(margin=0, classes=["wf-card"]):
            _Picture(
                lambda: metrics_figure([model_series(model)], _shock(model)), key, ["wf-charts"]
            )
    _Explainer()


@solara.component
def CompareView(model: ComparisonModel) -> None:
    """Both agencies' pictures side by side and their charts together."""
    update_counter.get()
    key = [id(model), model.steps]
    rows = max(grid_rows(model.a), grid_rows(model.b))  # line the two pictures up
    with solara.Columns([1, 1]):
        for sub, side in ((model.a, "a"), (model.b, "b")):
            with solara.Column(gap="4px"):
                solara.Text(
                    _status(sub),
                    classes=["wf-status", f"wf-status-{side}"],
                    style={
                        "font-size": "14px",
                        "font-weight": "600",
                        "color": regime_color(sub.regime),
                    },
                )
                solara.Text(_settings(sub), style=_SMALL)
                with solara.Card(margin=0, classes=["wf-card"]):
                    _Picture(
                        lambda sub=sub: agency_figure(sub, min_rows=rows),
                        key,
                        [f"wf-agency-{side}"],
                    )
    with solara.Card(margin=0, classes=["wf-card"]):
        _Picture(
            lambda: metrics_figure(
                [model_series(model.a), model_series(model.b)],
                _shock(model.a),
                figsize=(14.4, 3.9),
                ncols=4,
            ),
            key,
            ["wf-charts"],
        )
    _Explainer(compare=True)


_SMALL = {"font-size": "13px", "color": "#555555"}


def explainer_html(compare: bool = False) -> str:
    """How to read the page, and every control's meaning (from the registry), as HTML."""
    esc = html.escape
    paras = [
        (
            "Side by side",
            "Both agencies share the seed and every input but the regime, and "
            "start from the same warm-up; what differs afterwards comes from the training their "
            "new hires get, and from the chance events that follow from it.",
        )
        if compare
        else None,
        (
            "Picture",
            "One marker per worker, on a grid by post; colour = exhaustion (pale = "
            "fresh, dark red = burnt out; the black mark on the colour bar is the high-burnout "
            "threshold). Squares are float-pool cover staff, hatched markers are new hires still "
            f"in pre-service training, black rings are hires of the last {RECENT_WEEKS} weeks and "
            "dashed hollow circles are posts whose worker left in that time; an empty spot is a "
            "post empty for longer. Small dots are clients, linked to their primary worker; "
            "crosses under the grid are clients with no primary worker this week.",
        ),
        (
            "Charts",
            "Turnover (leavers in the last 52 weeks / headcount), share of on-floor "
            "workers at or above the high-burnout threshold, Bice–Boxerman continuity of care, "
            "vacancy rate; a grey band marks a shock.",
        ),
        (
            "Controls",
            "Change a control, then press Reset to start a new agency with it (the "
            "warm-up is run again). The regime sets the training of new hires; the two training "
            "sliders apply only when the override box is ticked. The JIT assumptions (how "
            "learning on the job works for new hires), pay and the in-service programme (for "
            "everyone employed, from the first reported week) apply to every regime. Render "
            "Interval = weeks per redraw (raise it to play faster).",
        ),
    ]
    out = [f"<p><b>{esc(h)}.</b> {esc(t)}</p>" for h, t in filter(None, paras)]
    rows = "".join(
        f"<tr><td>{esc(group)}</td><td><code>{esc(n)}</code></td><td>{esc(PARAMS[n].unit)}</td>"
        f"<td>{esc(PARAMS[n].description)}</td></tr>"
        for group, names in CONTROL_GROUPS.items()
        for n in names
    )
    out.append(
        '<table class="wf-help"><tr><th>group</th><th>control</th><th>unit</th>'
        f"<th>meaning</th></tr>{rows}</table>"
    )
    return "\n".join(out)


_HELP_CSS = """
.wf-help { border-collapse: collapse; font-size: 13px; }
.wf-help td, .wf-help th { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
.wf-help th { border-bottom: 1px solid #ccc; }
"""


@solara.component
def _Explainer(compare: bool = False) -> None:
    with solara.Details("How to read this, and what the controls mean"):
        solara.Style(_HELP_CSS)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=explainer_html(compare),
            style={"font-size": "14px", "max-width": "1100px"},
        )


def _viz(model: solara.Reactive, params: Mapping[str, Any], name: str) -> None:
    SolaraViz(model, components=[], model_params=dict(params), name=name, play_interval=150)


def _theme() -> None:
    """A neutral primary colour (app bar, buttons), so the regime colours stand out."""
    for theme in (solara.lab.theme.themes.light, solara.lab.theme.themes.dark):
        if theme.primary != _PRIMARY:
            theme.primary = _PRIMARY


_PRIMARY = "#37474F"


@solara.component
def DashboardPage() -> None:
    """One agency under one regime (route ``/``)."""
    _theme()
    first = solara.use_memo(lambda: DashboardModel("jit", seed=DEFAULT_SEED), [])
    model = solara.use_reactive(first)
    _viz(model, model_params(), "workforce-sim: one agency")
    with solara.Column(style={"padding": "4px 12px"}):
        AgencyView(model.value)


@solara.component
def ComparePage() -> None:
    """Two regimes, same seed, stepped together (route ``/compare``)."""
    _theme()
    first = solara.use_memo(lambda: ComparisonModel("jit", "foundation", seed=DEFAULT_SEED), [])
    model = solara.use_reactive(first)
    _viz(model, compare_params(), "workforce-sim: two regimes side by side")
    with solara.Column(style={"padding": "4px 12px"}):
        CompareView(model.value)


#: The one-regime dashboard (display it in Jupyter; ``solara run sim.app.dashboard:page``).
page = DashboardPage()
#: The side-by-side dashboard (``solara run sim.app.dashboard:compare_page``).
compare_page = ComparePage()
#: Both pages, for ``solara run sim.app.dashboard`` / ``workforce-sim dashboard``.
routes = [
    solara.Route(path="/", component=DashboardPage, label="One agency"),
    solara.Route(path="compare", component=ComparePage, label="Side by side"),
]
