"""The dashboard's pictures: the agency (:class:`AgencyCanvas`) and the live charts
(:class:`ChartCanvas`), drawn with matplotlib on the server.

Both are *canvases that persist*: the figure, its axes and artists are built once per
agency and each frame only moves data (marker positions and colours, line data, titles)
before the figure is drawn and encoded as PNG. Building a matplotlib figure, and above
all its axes' ticks, costs most of the time of a fresh figure; reusing it makes a frame
several times faster. A canvas is rebuilt only when its layout must grow (more rows of
posts, a longer time axis, a higher y range).

Text in the pictures is sized in screen pixels (:data:`MIN_TEXT_PX` and up) at
:data:`DPI`, and the dashboard shows each PNG at its own size, so on a 1280 x 720
screen no text is smaller than that. The agency picture carries no text at all: its
counters, legend and colour scale are HTML beside it.

Exhaustion colours (:func:`exhaustion_norm`) are anchored at the high-burnout
threshold (the registry's ``burnout_high_threshold``, the level the high-burnout
measure counts): pale yellow to orange below it, red to dark red at and above it.

:func:`agency_figure` and :func:`metrics_figure` give stand-alone figures (with title,
legend and colour bar) for notebooks and for the dashboard's downloads.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, TwoSlopeNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.analysis.summary import value_kind
from sim.core.model import WorkforceModel
from sim.core.outputs import METRICS
from sim.core.params import REGIME_LABELS
from sim.report.charts import style_rc

__all__ = [
    "AGENCY_WIDTH_PX",
    "CHARTS_SIZE_PX",
    "CHART_METRICS",
    "CHART_TITLES",
    "DPI",
    "EXHAUSTION_CMAP",
    "MIN_TEXT_PX",
    "RECENT_WEEKS",
    "AgencyCanvas",
    "ChartCanvas",
    "agency_figure",
    "encode",
    "exhaustion_norm",
    "exhaustion_stops",
    "grid_rows",
    "metrics_figure",
    "recent_window",
]

#: Dots per inch of the live pictures: one figure pixel is one screen pixel.
DPI = 100
#: The smallest text in the live pictures, in screen pixels.
MIN_TEXT_PX = 15
#: Width of the agency picture (one-agency page), in pixels.
AGENCY_WIDTH_PX = 420
#: ``(width, height)`` of the live charts, in pixels: one agency (2 x 2 panels), and
#: side by side (four panels in a row).
CHARTS_SIZE_PX = {"grid": (470, 430), "row": (900, 300)}
#: The measures charted live (datacollector columns), in panel order.
CHART_METRICS: tuple[str, ...] = ("turnover_rate", "burnout_high_share", "coc", "vacancy_rate")
#: Short panel titles (the measures' full labels are in :data:`sim.core.outputs.METRICS`).
CHART_TITLES: dict[str, str] = {
    "turnover_rate": "Turnover",
    "burnout_high_share": "High burnout",
    "coc": "Continuity",
    "vacancy_rate": "Vacancies",
}
#: How long new hires stay ringed and a leaver's empty post stays marked, in weeks.
RECENT_WEEKS = 8

#: Exhaustion colours (ColorBrewer YlOrRd, colour-blind safe): the lower half of the
#: map is below the high-burnout threshold, the upper half at or above it.
EXHAUSTION_CMAP = ListedColormap(
    np.vstack(
        [
            mpl.colormaps["YlOrRd"](np.linspace(0.04, 0.5, 128)),
            mpl.colormaps["YlOrRd"](np.linspace(0.7, 1.0, 128)),
        ]
    ),
    name="exhaustion",
)
_CLIENT = "#6b7b8c"
_LINK = "#b9c2cc"
_LEFT = "#555555"
_EDGE = "#4d4d4d"
_FAR = np.iinfo(np.int64).min // 2


def _pt(px: float) -> float:
    """Points for ``px`` screen pixels at :data:`DPI`."""
    return px * 72 / DPI


def exhaustion_norm(threshold: float) -> TwoSlopeNorm:
    """Exhaustion 0-1 to colour, with ``threshold`` (high burnout) at the map's middle."""
    return TwoSlopeNorm(vmin=0.0, vcenter=float(np.clip(threshold, 0.01, 0.99)), vmax=1.0)


def exhaustion_stops(threshold: float, n: int = 6) -> list[tuple[float, str]]:
    """CSS gradient stops ``(percent, colour)`` of the exhaustion scale, with its break
    at ``threshold`` (for the HTML colour bar)."""
    lo = [
        (100 * threshold * i / (n - 1), to_hex(EXHAUSTION_CMAP(0.5 * i / (n - 1))))
        for i in range(n)
    ]
    hi = [
        (
            100 * (threshold + (1 - threshold) * i / (n - 1)),
            to_hex(EXHAUSTION_CMAP(0.5 + 0.5 * i / (n - 1))),
        )
        for i in range(n)
    ]
    return lo + hi


def encode(fig: Figure, fmt: str = "png", dpi: float = DPI) -> bytes:
    """The figure as PNG or SVG bytes (PNG with light compression: faster, a bit larger)."""
    buf = io.BytesIO()
    kw: dict[str, Any] = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", **kw)
    return buf.getvalue()


def recent_window(t: int, weeks: int = RECENT_WEEKS) -> tuple[int, int]:
    """The reported weeks ``(first, last)`` the "recent" counters cover at week ``t``:
    the last ``weeks`` weeks, never before week 1 (the warm-up is not reported)."""
    return max(1, t - weeks + 1), t


# ---------------------------------------------------------------------------
# the agency picture
# ---------------------------------------------------------------------------


def layout_cols(n_posts: int) -> int:
    """Columns of the worker grid: a 4:3 block with room for ~10 % more workers."""
    return max(3, math.ceil(math.sqrt(1.1 * max(n_posts, 1) * 4 / 3)))


def _cols(model: WorkforceModel) -> int:
    p = model.params
    return getattr(model, "layout_cols", None) or layout_cols(p["n_workers"] + p["float_pool"])


def grid_rows(model: WorkforceModel) -> int:
    """Rows of the worker grid the agency picture needs now (at least)."""
    w = model.workers
    top = max(int(np.flatnonzero(w.alive).max(initial=-1)), model.params["n_workers"] - 1)
    return top // _cols(model) + 1


def _grid_xy(rows: np.ndarray, cols: int) -> np.ndarray:
    return np.column_stack([rows % cols, -(rows // cols)]).astype(float)


def _snapshot(model: WorkforceModel, recent_weeks: int) -> dict[str, Any]:
    """What the picture shows, read under the model's lock (a step never half done)."""
    lock = getattr(model, "lock", None) or threading.RLock()
    with lock:
        w, c, t = model.workers, model.clients, model.t
        first, _ = recent_window(t, recent_weeks)
        rows = np.flatnonzero(w.alive)
        left_week = getattr(model, "left_week", None)
        if left_week is not None:
            n = min(left_week.size, w.capacity)
            vac = np.flatnonzero((left_week[:n] >= first) & ~w.alive[:n])
        else:
            vac = np.zeros(0, dtype=int)
        return {
            "rows": rows,
            "float": w.is_float[rows].copy(),
            "exhaustion": w.exhaustion[rows].copy(),
            "training": w.start_week[rows] > t,
            "new": w.hire_week[rows] >= first,
            "vacated": vac,
            "primary": c.primary.copy(),
            "t": t,
            "threshold": float(model.params["burnout_high_threshold"]),
            "max_caseload": int(model.params["max_caseload"]),
            "n_workers": int(model.params["n_workers"]),
        }


_WAIT_SP = 1 / 3  # spacing of the waiting clients' block, in grid cells


class _AgencyArtists:
    """The agency's artists on one axes, for a fixed grid; :meth:`update` moves data."""

    def __init__(self, ax: Any, cols: int, rows: int, wait_rows: int, threshold: float) -> None:
        self.ax, self.cols, self.rows, self.wait_rows = ax, cols, rows, wait_rows
        self.grid_bottom = -(rows - 1) - 0.5
        self.bottom = self.grid_bottom - (wait_rows * _WAIT_SP + 0.15 if wait_rows else 0.1)
        self.per_row = max(1, int((cols - 0.1) / _WAIT_SP))
        fig = ax.figure
        bbox = ax.get_position()
        w_in, h_in = fig.get_size_inches()
        cell = min(
            w_in * bbox.width * 72 / (cols + 0.2), h_in * bbox.height * 72 / (0.6 - self.bottom)
        )
        cell *= 0.8
        self.s_worker = (0.5 * cell) ** 2
        lw = max(0.3, min(1.0, cell / 40))
        self.norm = exhaustion_norm(threshold)
        empty = np.zeros((0, 2))
        self.links = LineCollection([], colors=_LINK, linewidths=lw, zorder=1, gid="links")
        ax.add_collection(self.links)
        s_client = max((0.13 * cell) ** 2, 1.5)
        self.clients = ax.scatter(
            *empty.T, s=s_client, color=_CLIENT, lw=0, zorder=2, gid="clients"
        )
        self.waiting = ax.scatter(
            *empty.T,
            s=max((0.5 * _WAIT_SP * cell) ** 2, 2.0),
            marker="x",
            color="black",
            lw=lw * 1.2,
            zorder=2,
            gid="clients_waiting",
        )
        kw = {"cmap": EXHAUSTION_CMAP, "norm": self.norm, "edgecolors": _EDGE, "zorder": 3}
        self.workers = ax.scatter(
            *empty.T, c=[], s=self.s_worker, marker="o", linewidths=lw * 0.8, gid="workers", **kw
        )
        self.floats = ax.scatter(
            *empty.T,
            c=[],
            s=self.s_worker * 0.8,
            marker="s",
            linewidths=lw * 0.8,
            gid="float_workers",
            **kw,
        )
        with mpl.rc_context({"hatch.color": _EDGE, "hatch.linewidth": lw * 0.8}):
            self.training = ax.scatter(
                *empty.T,
                s=self.s_worker,
                marker="o",
                facecolors="none",
                edgecolors=_EDGE,
                hatch="////",
                linewidths=0,
                zorder=4,
                gid="in_training",
            )
        self.new = ax.scatter(
            *empty.T,
            s=self.s_worker * 2.1,
            marker="o",
            facecolors="none",
            edgecolors="black",
            linewidths=lw * 1.8,
            zorder=4,
            gid="new_hires",
        )
        self.vacated = ax.scatter(
            *empty.T,
            s=self.s_worker,
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
        ax.set_ylim(self.bottom, 0.6)
        ax.axis("off")

    def update(self, s: dict[str, Any]) -> None:
        cols = self.cols
        primary = s["primary"]
        has = primary >= 0
        order = np.argsort(primary, kind="stable")
        sorted_p = primary[order]
        first = np.searchsorted(sorted_p, sorted_p, side="left")
        rank = np.empty_like(primary)
        rank[order] = np.arange(primary.size) - first
        slots = max(s["max_caseload"], int(rank[has].max(initial=0)) + 1)
        ang = np.pi / 2 + 2 * np.pi * rank[has] / slots
        home = _grid_xy(primary[has], cols)
        cxy = home + 0.34 * np.column_stack([np.cos(ang), np.sin(ang)])
        self.links.set_segments(np.stack([home, cxy], axis=1))
        self.clients.set_offsets(cxy)
        k = np.arange(int(np.count_nonzero(~has)))
        wxy = np.column_stack(
            [
                -0.45 + _WAIT_SP / 2 + (k % self.per_row) * _WAIT_SP,
                self.grid_bottom - 0.1 - _WAIT_SP / 2 - (k // self.per_row) * _WAIT_SP,
            ]
        )
        self.waiting.set_offsets(wxy)
        xy = _grid_xy(s["rows"], cols)
        for coll, sel in ((self.workers, ~s["float"]), (self.floats, s["float"])):
            coll.set_offsets(xy[sel])
            coll.set_array(s["exhaustion"][sel])
        self.training.set_offsets(xy[s["training"]])
        self.new.set_offsets(xy[s["new"]])
        self.vacated.set_offsets(_grid_xy(s["vacated"], cols))


def _layout_need(model: WorkforceModel, s: dict[str, Any]) -> tuple[int, int]:
    cols = _cols(model)
    top = int(max(s["rows"].max(initial=-1), s["vacated"].max(initial=-1), s["n_workers"] - 1))
    waiting = int(np.count_nonzero(s["primary"] < 0))
    per_row = max(1, int((cols - 0.1) / _WAIT_SP))
    return top // cols + 1, math.ceil(waiting / per_row)


class AgencyCanvas:
    """The live agency picture of one model: a figure kept between frames.

    :meth:`render` draws the model now and returns PNG bytes. The grid's rows (and the
    rows kept for clients without a primary worker) only ever grow, so the figure is
    rebuilt only when they do. ``min_rows`` pads the grid (to line two pictures up).
    """

    def __init__(self, width_px: int = AGENCY_WIDTH_PX, recent_weeks: int = RECENT_WEEKS) -> None:
        self.width_px, self.recent_weeks = width_px, recent_weeks
        self.lock = threading.RLock()
        self.fig: Figure | None = None
        self.artists: _AgencyArtists | None = None
        self._key: tuple[int, ...] = (0, 0, 0)

    def update(self, model: WorkforceModel, min_rows: int = 0) -> Figure:
        s = _snapshot(model, self.recent_weeks)
        rows, wait_rows = _layout_need(model, s)
        cols = _cols(model)
        key = (cols, max(rows, min_rows, self._key[1]), max(wait_rows, self._key[2]))
        with self.lock:
            if self.fig is None or key != self._key:
                self._key = key
                bottom = -(key[1] - 1) - 0.5 - (key[2] * _WAIT_SP + 0.15 if key[2] else 0.1)
                w = self.width_px / DPI
                h = w * (0.6 - bottom) / (cols + 0.2)
                self.fig = Figure(figsize=(w, h), dpi=DPI)
                FigureCanvasAgg(self.fig)
                ax = self.fig.add_axes((0, 0, 1, 1))
                self.artists = _AgencyArtists(ax, cols, key[1], key[2], s["threshold"])
            self.artists.update(s)
            return self.fig

    def render(self, model: WorkforceModel, min_rows: int = 0) -> bytes:
        """The picture now, as PNG bytes."""
        with self.lock:
            fig = self.update(model, min_rows)
            fig.canvas.draw()
            return _png_from_canvas(fig.canvas)


def agency_figure(
    model: WorkforceModel,
    ax: Any = None,
    recent_weeks: int = RECENT_WEEKS,
    legend: bool = True,
    min_rows: int = 0,
) -> Figure:
    """A stand-alone picture of the agency now (title, legend, colour bar).

    One marker per worker on a grid by post (a leaver's post is taken by the next
    hire), coloured by exhaustion; float-pool cover staff are squares; workers still in
    pre-service training are hatched; hires of the last ``recent_weeks`` reported weeks
    are ringed; posts vacated in that time are hollow dashed circles (needs a
    :class:`~sim.app.dashboard.DashboardModel`). Each client is a small dot on a ring
    round their primary worker; clients with no primary worker are crosses under the
    grid. Draws on ``ax`` if given.
    """
    s = _snapshot(model, recent_weeks)
    rows, wait_rows = _layout_need(model, s)
    rows = max(rows, min_rows)
    cols = _cols(model)
    with mpl.rc_context(style_rc()):
        own = ax is None
        if own:
            width, title_h, legend_h = 7.2, 0.75, 0.75
            bottom = -(rows - 1) - 0.5 - (wait_rows * _WAIT_SP + 0.15 if wait_rows else 0.1)
            axes_w = width * 0.84
            height = min(max(axes_w * (0.6 - bottom) / (cols + 0.2) + title_h + legend_h, 3.6), 11)
            fig = Figure(figsize=(width, height))
            FigureCanvasAgg(fig)
            ax = fig.add_axes((0.015, legend_h / height, 0.84, 1 - (title_h + legend_h) / height))
            ax.set_anchor("N")
        fig = ax.figure
        _AgencyArtists(ax, cols, rows, wait_rows, s["threshold"]).update(s)
        first, last = recent_window(s["t"], recent_weeks)
        n_float = int(np.count_nonzero(s["float"]))
        label = getattr(model, "regime_label", None) or REGIME_LABELS.get(
            model.regime, model.regime
        )
        title = (
            f"{label}, week {s['t']}: {s['rows'].size} workers"
            + (f" ({n_float} float)" if n_float else "")
            + (f"\nringed: hired in weeks {first}-{last}" if last >= first else "")
        )
        if not own:
            ax.set_title(title, fontsize=11, loc="left")
            return fig
        fig.text(
            0.015,
            1 - 0.1 / fig.get_figheight(),
            title,
            ha="left",
            va="top",
            fontsize=12,
            fontweight="bold",
            linespacing=1.3,
        )
        if legend:
            _agency_legend(fig, ax, recent_weeks, s["threshold"])
        return fig


def _agency_legend(fig: Figure, ax: Any, recent_weeks: int, threshold: float) -> None:
    mid = EXHAUSTION_CMAP(0.35)
    handles = [
        Line2D([], [], ls="", marker="o", ms=9, mfc=mid, mec=_EDGE, label="Worker"),
        Line2D([], [], ls="", marker="s", ms=8, mfc=mid, mec=_EDGE, label="Float-pool cover"),
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
        Patch(facecolor=mid, edgecolor=_EDGE, hatch="////", label="In pre-service training"),
        Line2D(
            [0, 1],
            [0, 0],
            color=_LINK,
            marker="o",
            ms=3.5,
            mfc=_CLIENT,
            mec=_CLIENT,
            markevery=[1],
            label="Client - primary worker",
        ),
        Line2D([], [], ls="", marker="x", ms=6, color="black", label="Client, no primary"),
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncols=3,
        fontsize=10,
        handletextpad=0.4,
        columnspacing=1.0,
        frameon=False,
    )
    pos = ax.get_position()
    cax = fig.add_axes((0.88, pos.y0 + 0.2 * pos.height, 0.025, 0.6 * pos.height))
    norm = exhaustion_norm(threshold)
    cb = fig.colorbar(mpl.cm.ScalarMappable(norm, EXHAUSTION_CMAP), cax=cax)
    cb.set_ticks([0, threshold, 1])
    cb.set_label("Exhaustion (line: high burnout)", fontsize=10)
    cb.ax.tick_params(labelsize=9)
    cb.ax.axhline(threshold, color="black", lw=1.5)


# ---------------------------------------------------------------------------
# the live charts
# ---------------------------------------------------------------------------

Series = tuple[str, str, pd.DataFrame]  # (label, colour, datacollector frame)
_TOPS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _fmt_value(metric: str, v: float) -> str:
    if not np.isfinite(v):
        return "-"
    if value_kind(metric) == "percent":
        return f"{v * 100:.0f} %"
    return f"{v:.2f}"


def _nice_top(metric: str, top: float) -> float:
    hi = METRICS[metric].high
    if hi is not None and top > 0.6 * hi:
        return float(hi)
    need = max(top * 1.15, 0.05)
    return next((x for x in _TOPS if x >= need), 10 ** math.ceil(math.log10(need)))


def _x_end(last_week: int) -> int:
    """The time axis's end: whole half-years, so it rarely moves."""
    return max(26, 26 * math.ceil((last_week + 1) / 26))


class ChartCanvas:
    """Live charts: one panel per :data:`CHART_METRICS` measure, one line per series.

    ``layout`` ``"grid"`` (2 x 2, one agency) or ``"row"`` (four panels in a row, two
    regimes); ``labels``/``colors``: one per series. ``shock`` = ``(start, weeks)``
    shades the shock once the run reaches it.

    A frame is *blitted*: the axes, ticks and titles are drawn once into a background
    kept in memory, and each frame pastes it and draws only the lines and the latest
    values on top (text layout and ticks are most of matplotlib's drawing time). The
    axes' ranges move in steps (half years; round shares), and only a change of range
    redraws the background.
    """

    def __init__(
        self,
        labels: Sequence[str],
        colors: Sequence[str],
        shock: tuple[int, int] | None = None,
        layout: str = "grid",
        size_px: tuple[int, int] | None = None,
    ) -> None:
        self.labels, self.colors, self.shock = list(labels), list(colors), shock
        self.lock = threading.RLock()
        self._background: Any = None
        self._last_week = -1
        w, h = size_px or CHARTS_SIZE_PX[layout]
        w, h = w / DPI, h / DPI
        ncols = 2 if layout == "grid" else 4
        self.ncols = ncols
        nrows = math.ceil(len(CHART_METRICS) / ncols)
        multi = len(self.labels) > 1
        text_pt = _pt(MIN_TEXT_PX)
        with mpl.rc_context(style_rc()):
            self.fig = fig = Figure(figsize=(w, h), dpi=DPI)
            FigureCanvasAgg(fig)
            fig.subplots_adjust(
                left=0.56 / w,
                right=1 - 0.14 / w,
                top=1 - 0.34 / h,
                bottom=(0.72 + (0.34 if multi else 0)) / h,
                wspace=0.62 / ((w - 0.7) / ncols),
                hspace=0.72 / ((h - 1.06) / nrows),
            )
            self.axes = list(fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel())
            self.lines: list[list[Any]] = []
            self.ends: list[list[Any]] = []
            self.values: list[list[Any]] = []
            self.spans: list[Any] = []
            for ax, metric in zip(self.axes, CHART_METRICS, strict=True):
                pairs = list(zip(self.labels, self.colors, strict=True))
                self.lines.append(
                    [ax.plot([], [], color=c, lw=2.2, label=lab)[0] for lab, c in pairs]
                )
                self.ends.append([ax.plot([], [], "o", color=c, ms=5)[0] for c in self.colors])
                if shock and shock[1] > 0:
                    self.spans.append(
                        ax.axvspan(
                            shock[0],
                            shock[0] + shock[1],
                            color="#888888",
                            alpha=0.18,
                            lw=0,
                            label="Shock",
                        )
                    )
                if value_kind(metric) == "percent":
                    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
                ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
                ax.tick_params(labelsize=text_pt, pad=2)
                ax.set_title(CHART_TITLES[metric], fontsize=_pt(16), pad=4)
                if multi:
                    texts = [
                        ax.text(
                            0.03,
                            0.95 - 0.16 * i,
                            "",
                            color=c,
                            transform=ax.transAxes,
                            fontsize=text_pt,
                            fontweight="bold",
                            va="top",
                            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
                        )
                        for i, c in enumerate(self.colors)
                    ]
                else:  # the latest value, right of the panel's title
                    texts = [
                        ax.text(
                            1.0,
                            1.0,
                            "",
                            color=self.colors[0],
                            transform=ax.transAxes,
                            fontsize=_pt(16),
                            fontweight="bold",
                            ha="right",
                            va="bottom",
                        )
                    ]
                    texts[0].set_y(1.0 + 4 / 72 / (ax.get_position().height * h))
                self.values.append(texts)
                ax.set_ylim(0, 0.05)
                ax.set_xlim(0, 26)
            for ax in self.axes[-ncols:]:
                ax.set_xlabel("Week", fontsize=text_pt, labelpad=1)
            if multi:
                handles = list(self.lines[0]) + self.spans[:1]
                fig.legend(
                    handles,
                    [a.get_label() for a in handles],
                    loc="lower center",
                    bbox_to_anchor=(0.5, 0.0),
                    ncols=len(handles),
                    fontsize=text_pt,
                    frameon=False,
                )
        self._dynamic = [
            a for group in (self.lines, self.ends, self.values) for row in group for a in row
        ] + self.spans
        for a in self._dynamic:
            a.set_animated(True)

    def update(self, series: Sequence[Series]) -> Figure:
        """Set the data of ``series`` (row ``i`` = week ``i``); returns the figure."""
        with self.lock:
            frames = [df for _, _, df in series]
            last_week = max((len(df) - 1 for df in frames), default=0)
            x_end = _x_end(last_week)
            for i, (ax, metric) in enumerate(zip(self.axes, CHART_METRICS, strict=True)):
                top = 0.0
                nows = []
                for line, end, df in zip(self.lines[i], self.ends[i], frames, strict=True):
                    y = df[metric].to_numpy(float) if metric in df else np.zeros(0)
                    line.set_data(np.arange(y.size), y)
                    end.set_data([y.size - 1] if y.size else [], y[-1:])
                    nows.append(_fmt_value(metric, y[-1]) if y.size else "-")
                    if y.size and np.isfinite(y).any():
                        top = max(top, float(np.nanmax(y)))
                want = _nice_top(metric, top)
                if want != ax.get_ylim()[1]:
                    ax.set_ylim(0, want)
                    self._background = None
                if ax.get_xlim()[1] != x_end:
                    ax.set_xlim(0, x_end)
                    self._background = None
                texts = self.values[i]
                if len(texts) == 1:
                    texts[0].set_text(nows[0])
                    continue
                at_top = self._emptier_top(frames, metric, want)
                for k, (txt, lab, v) in enumerate(zip(texts, self.labels, nows, strict=True)):
                    txt.set_text(f"{lab}: {v}")
                    txt.set_y(0.95 - 0.16 * k if at_top else 0.05 + 0.16 * (len(nows) - 1 - k))
                    txt.set_va("top" if at_top else "bottom")
            for span in self.spans:
                span.set_visible(bool(self.shock) and self.shock[0] <= last_week)
            self._last_week = last_week
            return self.fig

    @staticmethod
    def _emptier_top(frames: Sequence[pd.DataFrame], metric: str, top: float) -> bool:
        ys = [df[metric].to_numpy(float) for df in frames if metric in df]
        y = np.concatenate(ys or [np.zeros(0)]) / (top or 1.0)
        return np.count_nonzero(y > 0.7) <= np.count_nonzero(y < 0.3)

    def render(self, series: Sequence[Series]) -> bytes:
        """The charts of ``series`` now, as PNG bytes (blitted, see the class)."""
        with self.lock:
            self.update(series)
            canvas = self.fig.canvas
            if self._background is None:
                with mpl.rc_context(style_rc()):
                    canvas.draw()  # the animated (dynamic) artists are left out
                self._background = canvas.copy_from_bbox(self.fig.bbox)
            else:
                canvas.restore_region(self._background)
            for i, ax in enumerate(self.axes):
                for a in (*self.spans[i : i + 1], *self.lines[i], *self.ends[i], *self.values[i]):
                    if a.get_visible():
                        ax.draw_artist(a)
            return _png_from_canvas(canvas)

    def export(self, fmt: str = "png", dpi: float = 2 * DPI) -> bytes:
        """The charts as they are now, as a PNG (``dpi``) or SVG file."""
        with self.lock:
            for a in self._dynamic:
                a.set_animated(False)
            try:
                with mpl.rc_context(style_rc()):
                    return encode(self.fig, fmt, dpi)
            finally:
                for a in self._dynamic:
                    a.set_animated(True)
                self._background = None  # the export drew at another size


def _png_from_canvas(canvas: FigureCanvasAgg) -> bytes:
    from PIL import Image

    w, h = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()


def metrics_figure(
    series: Sequence[Series],
    shock: tuple[int, int] | None = None,
    ncols: int = 2,
    size_px: tuple[int, int] | None = None,
) -> Figure:
    """Stand-alone live charts of ``series`` (``ncols`` 2: a 2 x 2 block; 4: one row)."""
    layout = "grid" if ncols == 2 else "row"
    canvas = ChartCanvas([s[0] for s in series], [s[1] for s in series], shock, layout, size_px)
    canvas.update(series)
    for a in canvas._dynamic:
        a.set_animated(False)
    return canvas.fig
