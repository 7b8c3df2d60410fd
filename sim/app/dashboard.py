"""The interactive dashboard: a Solara app of one Mesa agency, week by week.

Two pages:

* :data:`page` (route ``/``): one agency under one training regime: a picture of the
  agency (:class:`~sim.app.figures.AgencyCanvas`) and live charts of turnover, high
  burnout, continuity of care and vacancies (:class:`~sim.app.figures.ChartCanvas`).
* :data:`compare_page` (route ``/compare``): two agencies with the same seed and
  inputs under two regimes, stepped together (:class:`ComparisonModel`).

``workforce-sim dashboard`` serves both; in Jupyter, ``from sim.app import page; page``
(or ``compare_page``) shows one of them in the notebook.

The sidebar is the dashboard's own (not Mesa's ``SolaraViz``, whose play/render
interval and thread controls mean nothing to a class): Reset, Play/Pause and Step, a
play speed in weeks per second, the regime, a seed, and the controls of
:mod:`sim.app.controls` (generated from the parameter registry, with short labels and
their current values). A change to a control takes effect at Reset (a new agency, warm-up
included); the page says so while a change is waiting. Training controls apply
directly: picking a regime sets them to its preset, and moving one makes the regime
"custom" (the caption says so).

Play steps the model at the chosen speed and draws as often as the machine allows:
when drawing a frame takes longer than a week's worth of time, several weeks are
stepped per picture (the sidebar shows how many). Above the picture: the status line,
a caption with the regime and every changed lever, and the guard-rail warnings of
:func:`sim.core.guards.agency_warnings` (e.g. 5 workers for 300 clients). Below the
charts: downloads of the current charts and picture as PNG or SVG.

The seed is a text box: a whole number is used as it is; any other text is turned into
a seed by a stable hash (the same text, the same run); a blank box draws a fresh seed at
each reset. The pictures are matplotlib figures rendered to PNG on the server (no
browser plotting library is needed, so the dashboard works offline).
"""

from __future__ import annotations

import html
import os
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import mesa
import numpy as np
import solara
import solara.lab
from matplotlib.colors import to_hex

from sim.app import controls as C
from sim.app.controls import (
    CHECKBOXES,
    COMPARE_CONTROLS,
    CONTROL_GROUPS,
    CONTROLS,
    DASHBOARD_MAX,
    SHORT_LABELS,
    SLIDERS,
    TRAINING,
    checkbox_spec,
    regime_key,
    slider_spec,
)
from sim.app.figures import (
    AGENCY_WIDTH_PX,
    CHART_METRICS,
    EXHAUSTION_CMAP,
    MIN_TEXT_PX,
    RECENT_WEEKS,
    AgencyCanvas,
    ChartCanvas,
    agency_figure,
    encode,
    exhaustion_stops,
    grid_rows,
    layout_cols,
    metrics_figure,
    recent_window,
)
from sim.core.guards import agency_warnings
from sim.core.model import WorkforceModel
from sim.core.params import PARAMS, REGIME_LABELS
from sim.report.charts import regime_color

__all__ = [
    "CHART_METRICS",
    "CHECKBOXES",
    "CONTROLS",
    "CONTROL_GROUPS",
    "DASHBOARD_MAX",
    "DEFAULT_SEED",
    "DEFAULT_SPEED",
    "RECENT_WEEKS",
    "SLIDERS",
    "TRAINING",
    "ComparisonModel",
    "DashboardModel",
    "agency_figure",
    "caption_text",
    "checkbox_spec",
    "compare_page",
    "counters_text",
    "explainer_html",
    "grid_rows",
    "metrics_figure",
    "model_series",
    "page",
    "parse_seed",
    "regime_key",
    "routes",
    "slider_spec",
    "status_text",
    "warm_up",
]

#: Seed of a fresh dashboard (the seed box's initial value).
DEFAULT_SEED = 42
#: Play speed of a fresh dashboard, in simulated weeks per second.
DEFAULT_SPEED = 12
#: Most weeks stepped for one picture while playing (a slower machine plays slower).
MAX_WEEKS_PER_PICTURE = 13


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


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


class DashboardModel(WorkforceModel):
    """A :class:`WorkforceModel` for the dashboard.

    Accepts the dashboard's inputs (regime key or label, seed text; the training
    parameters given override the regime's preset, which makes it "custom"). Keeps
    ``inputs`` (what it was built from), the week each worker slot was last vacated
    and each reported week's hires and leavers (model-side counts for the "recent"
    counters), and guards a step with a lock so a picture never reads half a week.
    """

    def __init__(
        self,
        regime: str = "jit",
        *,
        seed: Any = DEFAULT_SEED,
        rng: Any = None,
        scenario: Any = None,
        **params: Any,
    ) -> None:
        del scenario  # accepted for Mesa's SolaraViz, which passes one on reset
        self.inputs = {"regime": regime_key(regime), "seed": seed, **params}
        self.seed = parse_seed(seed if rng is None else rng)
        self.lock = threading.RLock()
        super().__init__(regime_key(regime), rng=self.seed, **params)
        self.regime_label = C.regime_label(self.regime, self.params)
        self.layout_cols = layout_cols(self.params["n_workers"] + self.params["float_pool"])
        self.left_week = np.full(self.workers.capacity, np.iinfo(np.int64).min // 2)
        #: ``(hires, leavers)`` of each reported week (index 0 = week 1).
        self.flows: list[tuple[int, int]] = []

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
            self.flows.append((int(self.metrics["hires"]), int(self.metrics["separations"])))

    def recent(self, weeks: int = RECENT_WEEKS) -> tuple[int, int, int, int]:
        """``(first week, last week, hires, leavers)`` over the same recent weeks."""
        with self.lock:
            first, last = recent_window(self.t, weeks)
            window = self.flows[first - 1 : last] if last >= first else []
            return first, last, sum(h for h, _ in window), sum(s for _, s in window)


class ComparisonModel(mesa.Model):
    """Two :class:`DashboardModel` agencies, same seed and inputs, stepped together."""

    def __init__(
        self,
        regime_a: str = "jit",
        regime_b: str = "foundation",
        *,
        seed: Any = DEFAULT_SEED,
        rng: Any = None,
        scenario: Any = None,
        **params: Any,
    ) -> None:
        del scenario
        self.inputs = {
            "regime_a": regime_key(regime_a),
            "regime_b": regime_key(regime_b),
            "seed": seed,
            **params,
        }
        self.seed = parse_seed(seed if rng is None else rng)
        super().__init__(rng=self.seed)
        self.a = DashboardModel(regime_a, seed=self.seed, **params)
        self.b = DashboardModel(regime_b, seed=self.seed, **params)
        self.running = True

    @property
    def t(self) -> int:
        return self.a.t

    def step(self) -> None:
        self.a.step()
        self.b.step()


def model_series(model: DashboardModel) -> tuple[str, str, Any]:
    """``(label, colour, weekly measures)`` of one model, for the charts."""
    lock = getattr(model, "lock", None) or threading.RLock()
    with lock:
        df = model.datacollector.get_model_vars_dataframe()
    label = getattr(model, "regime_label", None) or REGIME_LABELS.get(model.regime, model.regime)
    return (label, regime_color(model.regime), df)


def _shock(model: WorkforceModel) -> tuple[int, int]:
    return int(model.params["shock_start"]), int(model.params["shock_weeks"])


def _new_model(values: Mapping[str, Any]) -> DashboardModel:
    return DashboardModel(values["regime"], seed=values["seed"], **{n: values[n] for n in CONTROLS})


def _new_comparison(values: Mapping[str, Any]) -> ComparisonModel:
    return ComparisonModel(
        values["regime_a"],
        values["regime_b"],
        seed=values["seed"],
        **{n: values[n] for n in COMPARE_CONTROLS},
    )


def _initial_values() -> dict[str, Any]:
    return {"regime": "jit", "seed": str(DEFAULT_SEED), **C.default_values("jit")}


def _initial_compare_values() -> dict[str, Any]:
    return {
        "regime_a": "jit",
        "regime_b": "foundation",
        "seed": str(DEFAULT_SEED),
        **C.default_values("jit", COMPARE_CONTROLS),
    }


def warm_up() -> None:
    """Build the default agency and draw it once (the server does this before it
    answers, so the first visitor does not wait for the warm-up and the font cache)."""
    model = _new_model(_initial_values())
    AgencyCanvas().render(model)
    ChartCanvas(["x"], ["black"]).render([model_series(model)])


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------


def _n(k: int, word: str, plural: str | None = None) -> str:
    return f"{k} {word if k == 1 else (plural or word + 's')}"


def status_text(model: DashboardModel, short: bool = False) -> str:
    """Regime, seed, week and the agency's staffing now (``short``: no seed, no trainees)."""
    m = model.metrics
    waiting = int(np.count_nonzero(model.clients.primary < 0))
    if short:
        return (
            f"{model.regime_label} · week {model.t} · {_n(int(m['headcount']), 'worker')} · "
            f"{_n(int(m['vacancies']), 'vacancy', 'vacancies')} · {waiting} without a primary"
        )
    return (
        f"{model.regime_label} · seed {model.seed} · week {model.t} · "
        f"{_n(int(m['headcount']), 'worker')} ({int(m['in_training'])} in training) · "
        f"{_n(int(m['vacancies']), 'vacancy', 'vacancies')} · "
        f"{_n(waiting, 'client')} without a primary worker"
    )


def counters_text(model: DashboardModel) -> str:
    """Hires and leavers over the same recent weeks (the picture's rings and circles)."""
    first, last, hires, leavers = model.recent()
    if last < first:
        return "Week 0: the warm-up has just ended; hires and leavers are counted from week 1."
    span = f"week {last}" if first == last else f"weeks {first}–{last}"
    return f"In {span}: {_n(hires, 'hire')}, {_n(leavers, 'leaver')}."


def caption_text(model: DashboardModel, compare: bool = False) -> str:
    """The regime and every lever changed from the defaults (or preset)."""
    if not compare:
        return C.caption(model.regime, model.params)
    return C.regime_caption(model.regime, model.params)


def explainer_html(compare: bool = False) -> str:
    """How to read the page, and every control's meaning (from the registry), as HTML."""
    esc = html.escape
    paras = [
        (
            "Side by side",
            "Both agencies share the seed and every input but the regime, and start from "
            "the same warm-up; what differs afterwards comes from the training their new "
            "hires get, and from the chance events that follow from it.",
        )
        if compare
        else None,
        (
            "Picture",
            "One marker per worker, on a grid by post; colour = exhaustion (yellow to orange "
            "below the high-burnout threshold, red at or above it). Squares are float-pool "
            "cover staff, hatched markers are new hires still in pre-service training, black "
            f"rings are hires of the last {RECENT_WEEKS} weeks and dashed hollow circles are "
            "posts whose worker left in that time; an empty spot is a post empty for longer. "
            "Small dots are clients, linked to their primary worker; crosses under the grid "
            "are clients with no primary worker this week.",
        ),
        (
            "Charts",
            "Turnover (leavers in the last 52 weeks per post filled), share of on-floor "
            "workers at or above the high-burnout threshold, Bice–Boxerman continuity of "
            "care, vacancy rate; a grey band marks a shock.",
        ),
        (
            "Controls",
            "Change a control, then press Reset to start a new agency with it (the warm-up "
            "is run again). Picking a regime sets the training controls to its preset; "
            "moving one of them makes the regime custom. The JIT assumptions (how learning "
            "on the job works for new hires), pay and the in-service programme (for everyone "
            "employed, from the first reported week) apply to every regime. Play runs at the "
            "chosen speed and draws as often as the machine allows (several weeks per "
            "picture when drawing is slower than the speed).",
        ),
    ]
    out = [f"<p><b>{esc(h)}.</b> {esc(t)}</p>" for h, t in filter(None, paras)]
    names = COMPARE_CONTROLS if compare else CONTROLS
    rows = "".join(
        f"<tr><td>{esc(group)}</td><td>{esc(SHORT_LABELS[n])}</td><td><code>{esc(n)}</code>"
        f"</td><td>{esc(PARAMS[n].unit)}</td><td>{esc(PARAMS[n].description)}</td></tr>"
        for group, group_names in CONTROL_GROUPS.items()
        for n in group_names
        if n in names
    )
    out.append(
        '<table class="wf-help"><tr><th>group</th><th>control</th><th>in scenario files</th>'
        f"<th>unit</th><th>meaning</th></tr>{rows}</table>"
    )
    return "\n".join(out)


def _legend_html(threshold: float) -> str:
    """The agency picture's legend and exhaustion scale (HTML, so its text is large)."""
    stops = exhaustion_stops(threshold)
    grad = ", ".join(f"{c} {p:.1f}%" for p, c in stops)
    mid = to_hex(EXHAUSTION_CMAP(0.3))

    def icon(svg: str) -> str:
        return f'<svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true">{svg}</svg>'

    items = [
        (icon(f'<circle cx="11" cy="11" r="7" fill="{mid}" stroke="#4d4d4d"/>'), "Worker"),
        (
            icon(f'<rect x="4" y="4" width="14" height="14" fill="{mid}" stroke="#4d4d4d"/>'),
            "Float-pool cover",
        ),
        (
            icon(
                f'<circle cx="11" cy="11" r="5" fill="{mid}" stroke="#4d4d4d"/>'
                '<circle cx="11" cy="11" r="9" fill="none" stroke="black" stroke-width="2"/>'
            ),
            f"Hired, last {RECENT_WEEKS} weeks",
        ),
        (
            icon(
                '<circle cx="11" cy="11" r="7" fill="none" stroke="#555" stroke-dasharray="3 2"/>'
            ),
            f"Post left, last {RECENT_WEEKS} weeks",
        ),
        (
            icon(
                '<line x1="3" y1="11" x2="16" y2="11" stroke="#b9c2cc" stroke-width="2"/>'
                '<circle cx="17" cy="11" r="3" fill="#6b7b8c"/>'
            ),
            "Client and primary worker",
        ),
        (
            icon('<path d="M6 6 L16 16 M16 6 L6 16" stroke="black" stroke-width="2"/>'),
            "Client without one",
        ),
    ]
    legend = "".join(f'<span class="wf-key">{i} {html.escape(t)}</span>' for i, t in items)
    bar = (
        '<div class="wf-scale"><span>Exhaustion 0</span>'
        f'<span class="wf-bar" style="background: linear-gradient(to right, {grad})">'
        f'<span class="wf-mark" style="left: {100 * threshold:.1f}%"></span></span>'
        f"<span>1</span>"
        f'<span class="wf-scale-note">| = high burnout ({threshold:g} and above: red)</span></div>'
    )
    return f'<div class="wf-legend">{legend}</div>{bar}'


_CSS = f"""
.wf-status {{ font-size: 17px; font-weight: 600; }}
.wf-caption, .wf-counters, .wf-pending {{ font-size: {MIN_TEXT_PX}px; }}
.wf-caption {{ color: #333; }}
.wf-group {{ font-size: 16px; font-weight: 700; margin: 10px 0 0 0; color: #37474F; }}
.wf-control-label {{ font-size: {MIN_TEXT_PX}px; margin-bottom: -14px; }}
.wf-control .v-input--selection-controls {{ margin-top: 0; }}
.wf-control label, .wf-sidebar .v-label {{ font-size: {MIN_TEXT_PX}px !important;
  color: #222 !important; }}
.wf-sidebar .v-btn {{ font-size: {MIN_TEXT_PX}px; }}
.wf-sidebar .v-select__selection, .wf-sidebar input {{ font-size: {MIN_TEXT_PX}px !important; }}
.wf-legend {{ display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: {MIN_TEXT_PX}px; }}
.wf-key {{ display: inline-flex; align-items: center; gap: 4px; }}
.wf-scale {{ display: flex; align-items: center; gap: 6px; font-size: {MIN_TEXT_PX}px;
  margin-top: 4px; flex-wrap: wrap; }}
.wf-bar {{ position: relative; display: inline-block; width: 170px; height: 16px;
  border: 1px solid #4d4d4d; }}
.wf-mark {{ position: absolute; top: -4px; bottom: -4px; width: 3px; margin-left: -1px;
  background: black; }}
.wf-help {{ border-collapse: collapse; font-size: {MIN_TEXT_PX}px; }}
.wf-help td, .wf-help th {{ text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }}
.wf-help th {{ border-bottom: 1px solid #ccc; }}
img.wf-picture {{ max-width: 100%; height: auto; display: block; }}
.wf-downloads .v-btn {{ font-size: {MIN_TEXT_PX}px; text-transform: none; }}
.wf-explainer {{ font-size: {MIN_TEXT_PX}px; max-width: 1100px; }}
"""


# ---------------------------------------------------------------------------
# Solara components
# ---------------------------------------------------------------------------


@solara.component
def _Control(name: str, value: Any, on_value: Callable[[Any], None]) -> None:
    """One registry control: its label with the value and unit, and a slider or tick box."""
    with solara.Column(gap="0px", classes=["wf-control", f"wf-control-{name}"]):
        if name in CHECKBOXES:
            solara.Checkbox(
                label=C.control_label(name, value), value=bool(value), on_value=on_value
            )
            return
        spec = slider_spec(name)
        solara.Text(C.control_label(name, value), classes=["wf-control-label"])
        cls = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        cls(
            "",
            value=value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            on_value=on_value,
            thumb_label=False,
        )


@solara.component
def _Controls(values: solara.Reactive, names: tuple[str, ...]) -> None:
    def setter(name: str) -> Callable[[Any], None]:
        return lambda v: values.set({**values.value, name: v})

    for group, group_names in CONTROL_GROUPS.items():
        shown = [n for n in group_names if n in names]
        if not shown:
            continue
        solara.Text(group, classes=["wf-group"])
        if group.startswith("Training") and "regime" in values.value:
            label = C.regime_label(values.value["regime"], values.value)
            solara.Text(
                f"Regime: {label}",
                classes=["wf-control-label", "wf-regime-now"],
                style={"margin-bottom": "0"},
            )
        for n in shown:
            _Control(n, values.value[n], setter(n))


@solara.component
def _Buttons(
    on_reset: Callable,
    playing: solara.Reactive,
    on_step: Callable,
    speed: solara.Reactive,
    batch: solara.Reactive,
    pending: bool,
) -> None:
    with solara.Row(gap="6px"):
        solara.Button("Reset", color="warning" if pending else "primary", on_click=on_reset)
        solara.Button(
            "Pause" if playing.value else "Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
        )
        solara.Button("Step", color="primary", on_click=on_step, disabled=playing.value)
    solara.Text(f"Play speed: {speed.value} weeks per second", classes=["wf-control-label"])
    solara.SliderInt("", value=speed, min=1, max=52, step=1, thumb_label=False)
    _BatchNote(batch, playing.value)


@solara.component
def _BatchNote(batch: solara.Reactive, playing: bool) -> None:
    """How many weeks each picture shows while playing."""
    if playing and batch.value > 1:
        solara.Text(
            f"Drawing every {batch.value} weeks to keep this speed.",
            classes=["wf-control-label", "wf-batch"],
            style={"margin-bottom": "0"},
        )


def _actions(m, model, factory, values, playing, frame, batch):
    """The Reset and Step actions of a page: Reset stops play and builds a fresh model
    from the controls' values with ``factory``; Step advances ``m`` one week."""

    def reset() -> None:
        playing.set(False)
        model.set(factory(values.value))
        frame.set(0)
        batch.set(1)

    def step() -> None:
        m.step()
        batch.set(1)
        frame.set(frame.value + 1)

    return reset, step


def _use_player(
    model_value: Any,
    playing: solara.Reactive,
    speed: solara.Reactive,
    frame: solara.Reactive,
    batch: solara.Reactive,
) -> None:
    """Play: step at ``speed`` weeks a second, one picture per batch of weeks."""

    def play() -> None:
        m = model_value
        start, done, rate = time.monotonic(), 0, speed.value
        while playing.value:
            if speed.value != rate:
                start, done, rate = time.monotonic(), 0, speed.value
            due = int((time.monotonic() - start) * rate) - done
            if due <= 0:
                time.sleep(max(0.0, min(0.02, (done + 1) / rate - (time.monotonic() - start))))
                continue
            if due > MAX_WEEKS_PER_PICTURE:  # the machine cannot keep up: drop the backlog
                start += (due - MAX_WEEKS_PER_PICTURE) / rate
                due = MAX_WEEKS_PER_PICTURE
            for _ in range(due):
                m.step()
            done += due
            batch.set(due)
            frame.set(frame.value + 1)
            time.sleep(0.015)  # let the page's own events (Pause, a slider) in between frames

    solara.lab.use_task(play, dependencies=[playing.value, id(model_value)], prefer_threaded=True)


@solara.component
def _Sidebar(values, names, playing, speed, batch, on_reset, on_step, pending, regimes):
    with solara.Column(
        classes=["wf-sidebar"],
        gap="4px",
        style={"width": "330px", "min-width": "330px", "padding": "4px 8px"},
    ):
        _Buttons(on_reset, playing, on_step, speed, batch, pending)
        if pending:
            solara.Text(
                "Controls changed: press Reset to start an agency with them.",
                classes=["wf-pending"],
                style={"color": "#a15c00", "font-weight": "600"},
            )
        for key, label in regimes:

            def pick(lab: str, key: str = key) -> None:
                new = {**values.value, key: regime_key(lab)}
                if key == "regime":
                    new.update(C.regime_training(lab))
                values.set(new)

            solara.Select(
                label,
                values=list(REGIME_LABELS.values()),
                value=REGIME_LABELS[values.value[key]],
                on_value=pick,
            )
        solara.InputText(
            "Seed (whole number; blank = new each reset)",
            value=values.value["seed"],
            on_value=lambda s: values.set({**values.value, "seed": s}),
            continuous_update=True,
        )
        _Controls(values, names)


@solara.component
def _Picture(data: bytes, cls: str) -> None:
    solara.Image(data, classes=["wf-picture", cls])


def _agency_file(model: DashboardModel, fmt: str) -> bytes:
    return encode(agency_figure(model), fmt, dpi=150)


@solara.component
def _Downloads(model: Any, charts: ChartCanvas, sides: list[tuple[str, DashboardModel]]) -> None:

    with solara.Row(
        gap="8px", classes=["wf-downloads"], style={"align-items": "center", "flex-wrap": "wrap"}
    ):
        solara.Text("Download the current", style={"font-size": f"{MIN_TEXT_PX}px"})
        for fmt in ("png", "svg"):
            solara.FileDownload(
                lambda fmt=fmt: charts.export(fmt),
                filename=f"workforce-sim-charts.{fmt}",
                label=f"Charts {fmt.upper()}",
                mime_type="image/png" if fmt == "png" else "image/svg+xml",
            )
        for side, sub in sides:
            for fmt in ("png", "svg"):
                solara.FileDownload(
                    lambda fmt=fmt, sub=sub: _agency_file(sub, fmt),
                    filename=f"workforce-sim-agency{side}.{fmt}",
                    label=f"Picture{side.replace('-', ' ')} {fmt.upper()}",
                    mime_type="image/png" if fmt == "png" else "image/svg+xml",
                )


@solara.component
def _Warnings(model: DashboardModel) -> None:
    for w in agency_warnings(model.params):
        solara.Warning(
            w.message,
            dense=True,
            classes=["wf-warning"],
            style={"font-size": f"{MIN_TEXT_PX}px", "margin": "2px 0"},
        )


@solara.component
def _Explainer(compare: bool = False) -> None:
    with solara.Details("How to read this, and what the controls mean"):
        solara.HTML(tag="div", unsafe_innerHTML=explainer_html(compare), classes=["wf-explainer"])


def _theme() -> None:
    """A neutral primary colour (app bar, buttons), so the regime colours stand out."""
    for theme in (solara.lab.theme.themes.light, solara.lab.theme.themes.dark):
        if theme.primary != _PRIMARY:
            theme.primary = _PRIMARY


_PRIMARY = "#37474F"


def _pending(values: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    return any(
        (str(values[k]).strip() != str(inputs.get(k, "")).strip())
        if k == "seed"
        else values[k] != inputs.get(k)
        for k in values
    )


@solara.component
def DashboardPage() -> None:
    """One agency under one regime (route ``/``)."""
    _theme()
    values = solara.use_reactive(solara.use_memo(_initial_values, []))
    model = solara.use_reactive(solara.use_memo(lambda: _new_model(values.value), []))
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    frame = solara.use_reactive(0)  # pictures drawn
    batch = solara.use_reactive(1)  # weeks per picture
    m = model.value
    canvases = solara.use_memo(
        lambda: (
            AgencyCanvas(),
            ChartCanvas([m.regime_label], [regime_color(m.regime)], _shock(m)),
        ),
        [id(m)],
    )
    _use_player(m, playing, speed, frame, batch)

    reset, step = _actions(m, model, _new_model, values, playing, frame, batch)

    with solara.AppBar():
        solara.AppBarTitle("workforce-sim: one agency")
    solara.Style(_CSS)
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="12px"):
        _Sidebar(
            values,
            CONTROLS,
            playing,
            speed,
            batch,
            reset,
            step,
            _pending(values.value, {"regime": m.inputs["regime"], **m.inputs}),
            [("regime", "Training regime")],
        )
        with solara.Column(gap="6px", style={"min-width": "0", "flex": "1 1 auto"}):
            _AgencyMain(m, frame, canvases)
            _Downloads(m, canvases[1], [("", m)])
            _Explainer()


@solara.component
def _AgencyMain(m: DashboardModel, frame: solara.Reactive, canvases: tuple) -> None:
    """The one-agency page's main area (the only part redrawn each frame)."""
    key = [id(m), frame.value]
    agency_png = solara.use_memo(lambda: canvases[0].render(m), key)
    charts_png = solara.use_memo(lambda: canvases[1].render([model_series(m)]), key)
    with solara.Column(gap="6px"):
        solara.Text(status_text(m), classes=["wf-status"])
        solara.Text(caption_text(m), classes=["wf-caption"])
        _Warnings(m)
        with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Column(
                gap="4px", style={"width": f"{AGENCY_WIDTH_PX}px", "max-width": "100%"}
            ):
                solara.Text(counters_text(m), classes=["wf-counters"])
                _Picture(agency_png, "wf-agency")
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=_legend_html(float(m.params["burnout_high_threshold"])),
                )
            with solara.Column(gap="4px", style={"max-width": "100%"}):
                _Picture(charts_png, "wf-charts")


@solara.component
def ComparePage() -> None:
    """Two regimes, same seed, stepped together (route ``/compare``)."""
    _theme()
    values = solara.use_reactive(solara.use_memo(_initial_compare_values, []))
    model = solara.use_reactive(solara.use_memo(lambda: _new_comparison(values.value), []))
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    frame = solara.use_reactive(0)
    batch = solara.use_reactive(1)
    m = model.value
    canvases = solara.use_memo(
        lambda: (
            AgencyCanvas(width_px=445),
            AgencyCanvas(width_px=445),
            ChartCanvas(
                [m.a.regime_label, m.b.regime_label],
                [regime_color(m.a.regime), regime_color(m.b.regime)],
                _shock(m.a),
                "row",
            ),
        ),
        [id(m)],
    )
    _use_player(m, playing, speed, frame, batch)

    reset, step = _actions(m, model, _new_comparison, values, playing, frame, batch)

    with solara.AppBar():
        solara.AppBarTitle("workforce-sim: two regimes side by side")
    solara.Style(_CSS)
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="12px"):
        _Sidebar(
            values,
            COMPARE_CONTROLS,
            playing,
            speed,
            batch,
            reset,
            step,
            _pending(values.value, m.inputs),
            [("regime_a", "Regime on the left"), ("regime_b", "Regime on the right")],
        )
        with solara.Column(gap="6px", style={"min-width": "0", "flex": "1 1 auto"}):
            _CompareMain(m, frame, canvases)
            _Downloads(m, canvases[2], [("-left", m.a), ("-right", m.b)])
            _Explainer(compare=True)


@solara.component
def _CompareMain(m: ComparisonModel, frame: solara.Reactive, canvases: tuple) -> None:
    """The side-by-side page's main area (the only part redrawn each frame)."""

    def draw() -> tuple[bytes, bytes, bytes]:
        rows = max(grid_rows(m.a), grid_rows(m.b))  # line the two pictures up
        return (
            canvases[0].render(m.a, min_rows=rows),
            canvases[1].render(m.b, min_rows=rows),
            canvases[2].render([model_series(m.a), model_series(m.b)]),
        )

    pngs = solara.use_memo(draw, [id(m), frame.value])
    with solara.Column(gap="6px"):
        changed = C.changed_levers("jit", {**C.default_values("jit"), **m.inputs})
        solara.Text(
            f"Seed {m.seed}, the same for both. "
            + (
                "Changed from the defaults: " + "; ".join(changed) + "."
                if changed
                else "Every control is at its default."
            ),
            classes=["wf-caption"],
        )
        _Warnings(m.a)
        with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            for sub, side, png in ((m.a, "a", pngs[0]), (m.b, "b", pngs[1])):
                with solara.Column(gap="4px", style={"width": "445px", "max-width": "100%"}):
                    with solara.Column(gap="4px", style={"min-height": "8.5em"}):  # line up
                        solara.Text(
                            status_text(sub, short=True),
                            classes=["wf-status", f"wf-status-{side}"],
                            style={"color": regime_color(sub.regime)},
                        )
                        solara.Text(caption_text(sub, compare=True), classes=["wf-caption"])
                        solara.Text(counters_text(sub), classes=["wf-counters"])
                    _Picture(png, f"wf-agency-{side}")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=_legend_html(float(m.a.params["burnout_high_threshold"])),
        )
        _Picture(pngs[2], "wf-charts")


#: The one-regime dashboard (display it in Jupyter; ``solara run sim.app.dashboard:page``).
page = DashboardPage()
#: The side-by-side dashboard (``solara run sim.app.dashboard:compare_page``).
compare_page = ComparePage()
#: Both pages, for ``solara run sim.app.dashboard`` / ``workforce-sim dashboard``.
routes = [
    solara.Route(path="/", component=DashboardPage, label="One agency"),
    solara.Route(path="compare", component=ComparePage, label="Side by side"),
]

# ``workforce-sim dashboard`` sets this: the server loads the app before it answers, so
# the default agency's warm-up and first drawing happen before the first visitor comes
if os.environ.get("WORKFORCE_SIM_DASHBOARD_WARM_UP") == "1":
    warm_up()
