"""The interactive dashboard: controls from the registry, the models, the pictures, the
command, and the app itself driven in a real (headless) browser at 1280 x 720."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

from sim.app import controls as C
from sim.app.dashboard import (
    CHART_METRICS,
    CHECKBOXES,
    CONTROL_GROUPS,
    CONTROLS,
    DASHBOARD_MAX,
    SLIDERS,
    TRAINING,
    ComparisonModel,
    DashboardModel,
    agency_figure,
    caption_text,
    counters_text,
    explainer_html,
    metrics_figure,
    model_series,
    parse_seed,
    slider_spec,
)
from sim.app.figures import (
    DPI,
    EXHAUSTION_CMAP,
    MIN_TEXT_PX,
    AgencyCanvas,
    ChartCanvas,
    exhaustion_norm,
)
from sim.cli import main
from sim.core.guards import agency_warnings
from sim.core.model import WorkforceModel
from sim.core.params import PARAMS, REGIMES

from helpers import SMALL

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WORKFORCE_SIM_CHROMIUM", "/usr/bin/chromium")


# -- controls from the registry ----------------------------------------------------------
def test_sliders_are_derived_from_the_registry():
    for name in SLIDERS:
        p, spec = PARAMS[name], slider_spec(name)
        assert spec["type"] == ("SliderInt" if p.kind == "int" else "SliderFloat")
        assert spec["value"] == p.default
        assert spec["min"] == p.low
        assert spec["max"] == min(p.high, DASHBOARD_MAX.get(name, p.high))
        assert 0 < spec["step"] <= (spec["max"] - spec["min"]) / 10
        # the default and every regime preset lie on the slider's grid
        for v in [p.default] + [r[name] for r in REGIMES.values() if name in r]:
            k = (v - spec["min"]) / spec["step"]
            assert abs(k - round(k)) < 1e-9, (name, v)
    for name, cap in DASHBOARD_MAX.items():  # caps only ever lower the registry maximum
        assert name in SLIDERS and cap <= PARAMS[name].high
    assert all(PARAMS[n].kind == "bool" for n in CHECKBOXES)
    assert len(CONTROLS) == len(set(CONTROLS)) == len(SLIDERS) + len(CHECKBOXES)


def test_every_control_has_a_short_label_with_its_value_and_unit():
    assert set(C.SHORT_LABELS) == set(CONTROLS)
    assert all(C.SHORT_LABELS[n] == PARAMS[n].label for n in CONTROLS)  # from the registry
    for name in CONTROLS:
        label = C.SHORT_LABELS[name]
        assert 0 < len(label) <= 24 and "_" not in label, name
        text = C.control_label(name, PARAMS[name].default)
        assert text.startswith(label + ": ")
    # units for people: percentages for shares and probabilities, multipliers as "x normal"
    assert C.control_label("learner_motivation", 0.2) == "Learner motivation: 20 %"
    assert C.control_label("benefits_rate", 0.25) == "Benefits: 25 %"
    assert C.control_label("shock_hiring", 2.0) == "Time to fill in shock: 2 × normal"
    assert C.control_label("wage", 17.5) == "Wage: 17.5 USD/hour"
    assert C.control_label("n_workers", 1000) == "Posts: 1,000 posts"
    assert C.control_label("inservice_modules", True) == "Modules for all staff: on"


ISSUE_11_LEVERS = {
    "JIT assumptions": {
        "module_coverage",
        "module_wait_weeks",
        "learner_motivation",
        "self_assessment",
        "mentor_detection",
    },
    "Pay": {"wage", "benefits_rate"},
    "In-service programme": {
        "inservice_weeks",
        "inservice_training_hours",
        "inservice_supervision_hours",
        "inservice_modules",
    },
}


def test_the_levers_are_controls_in_their_groups():
    for group, names in ISSUE_11_LEVERS.items():
        assert names <= set(CONTROL_GROUPS[group]), group
    # the training controls are exactly the regimes' own parameters
    assert set(TRAINING) == {k for preset in REGIMES.values() for k in preset}
    assert not set(TRAINING) & set(C.COMPARE_CONTROLS)


def test_levers_reach_the_model_whatever_the_regime():
    m = DashboardModel(
        "Foundation-first",
        wage=20.0,
        self_assessment=0.8,
        inservice_weeks=10,
        inservice_modules=True,
        **SMALL,
    )
    assert m.params["wage"] == 20.0 and m.params["self_assessment"] == 0.8
    assert m.params["inservice_weeks"] == 10 and m.params["inservice_modules"] is True
    assert m.params["preservice_hours"] == REGIMES["foundation"]["preservice_hours"]
    assert m.regime_label == "Foundation-first"


def test_training_controls_apply_directly_and_make_the_regime_custom():
    preset = C.regime_training("hybrid")
    assert preset == {n: REGIMES["hybrid"].get(n, PARAMS[n].default) for n in TRAINING}
    plain = DashboardModel("Hybrid", **preset, **SMALL)
    assert plain.regime_label == "Hybrid"
    assert caption_text(plain).startswith("Regime: Hybrid (")
    custom = DashboardModel("Hybrid", **{**preset, "preservice_hours": 8.0}, **SMALL)
    assert custom.params["preservice_hours"] == 8.0  # no tick box needed
    assert custom.params["mentoring_hours"] == REGIMES["hybrid"]["mentoring_hours"]
    assert custom.regime_label == "Custom (from Hybrid)"
    cap = caption_text(custom)
    assert (
        cap.startswith("Regime: Custom (from Hybrid)") and "Pre-service training = 8 hours" in cap
    )


def test_caption_names_every_changed_lever_and_nothing_else():
    values = {**C.default_values("jit"), "wage": 21.0, "shock_weeks": 10, "inservice_modules": True}
    cap = C.caption("jit", values)
    assert cap.startswith("Regime: JIT-only (")
    changed = cap.split("Changed from the defaults: ", 1)[1]
    assert changed.count("=") == 3
    for text in ("Wage = 21 USD/hour", "Shock length = 10 weeks", "Modules for all staff = on"):
        assert text in changed
    assert "Every other control is at its default." in C.caption("jit", C.default_values("jit"))


# -- models ------------------------------------------------------------------------------
def test_seed_box_text_becomes_a_reproducible_seed():
    assert parse_seed("42") == parse_seed(" 42 ") == parse_seed(42) == 42
    assert parse_seed("abc") == parse_seed("abc") == zlib.crc32(b"abc")
    assert parse_seed("-3") == zlib.crc32(b"-3")
    assert parse_seed("1.5") == zlib.crc32(b"1.5")
    blank = {parse_seed(""), parse_seed("  "), parse_seed(None)}
    assert all(isinstance(s, int) and s >= 0 for s in blank)
    # the dashboard's seed 7 is the same run as the model's rng=7
    a, b = DashboardModel("jit", seed="7", **SMALL), WorkforceModel("jit", rng=7, **SMALL)
    for _ in range(3):
        a.step()
        b.step()
    assert a.metrics == b.metrics


def test_recent_hires_and_leavers_are_counted_over_the_same_weeks():
    m = DashboardModel("jit", seed=3, time_to_fill=2.0, **SMALL)
    assert counters_text(m).startswith("Week 0:")
    for _ in range(14):
        m.step()
        first, last, hires, leavers = m.recent()
        df = m.datacollector.get_model_vars_dataframe()
        assert (first, last) == (max(1, m.t - 7), m.t)
        assert hires == int(df["hires"].iloc[first : last + 1].sum())  # row i = week i
        assert leavers == int(df["separations"].iloc[first : last + 1].sum())
        # the picture's rings and dashed circles are among them (some hires left again,
        # some posts were filled again)
        w = m.workers
        ringed = int(np.count_nonzero(w.alive & (w.hire_week >= first)))
        assert ringed <= hires
        assert f"{hires} hire" in counters_text(m) and f"{leavers} leaver" in counters_text(m)
    assert sum(h for h, _ in m.flows) == int(df["hires"].iloc[1:].sum())


def test_comparison_steps_two_regimes_with_one_seed():
    c = ComparisonModel("JIT-only", "foundation", seed=5, **SMALL)
    assert (c.a.regime, c.b.regime) == ("jit", "foundation")
    assert c.a.seed == c.b.seed == 5
    assert c.a.metrics == c.b.metrics  # same warm-up: identical at week 0
    for _ in range(2):
        c.step()
    assert c.a.t == c.b.t == 2 and c.steps == 2
    fig = metrics_figure([model_series(c.a), model_series(c.b)], ncols=4)
    assert len(fig.axes) == len(CHART_METRICS)
    assert all(len(ax.get_lines()) >= 2 for ax in fig.axes)


# -- the pictures ------------------------------------------------------------------------
def _points(fig, gid):
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    return sum(len(c.get_offsets()) for c in found)


def test_agency_picture_shows_every_live_worker_and_client():
    m = DashboardModel("foundation", seed=3, float_pool=4, time_to_fill=2.0, **SMALL)
    canvas = AgencyCanvas()
    for _ in range(12):
        m.step()
        w = m.workers
        canvas.render(m)
        for fig in (canvas.fig, agency_figure(m)):
            alive = int(np.count_nonzero(w.alive))
            assert _points(fig, "workers") + _points(fig, "float_workers") == alive
            assert _points(fig, "float_workers") == int(np.count_nonzero(w.alive & w.is_float))
            n_clients = m.params["n_clients"]
            assert _points(fig, "clients") + _points(fig, "clients_waiting") == n_clients
            waiting = int(np.count_nonzero(m.clients.primary < 0))
            assert _points(fig, "clients_waiting") == waiting
            first, _ = m.recent()[:2]
            assert _points(fig, "new_hires") == int(
                np.count_nonzero(w.alive & (w.hire_week >= first))
            )
            trainees = w.alive & (w.start_week > m.t)
            assert _points(fig, "in_training") == int(np.count_nonzero(trainees))
    # posts left in the counted weeks and still empty are drawn, never a live worker
    left = np.flatnonzero(m.left_week[: w.capacity] >= first)
    assert _points(canvas.fig, "recent_leavers") == int(np.count_nonzero(~w.alive[left]))
    # also works on a plain model (no leaver history) and on a caller's axes
    from matplotlib.figure import Figure

    plain = WorkforceModel("jit", rng=1, **SMALL)
    ax = Figure().add_subplot()
    assert agency_figure(plain, ax=ax) is ax.figure
    assert _points(ax.figure, "workers") == int(np.count_nonzero(plain.workers.alive))


def test_exhaustion_colours_break_at_the_high_burnout_threshold():
    for threshold in (0.6, PARAMS["burnout_high_threshold"].default, 0.3):
        norm = exhaustion_norm(threshold)
        assert norm(threshold) == pytest.approx(0.5)
        assert norm(0.0) == 0 and norm(1.0) == 1
        below, at = EXHAUSTION_CMAP(norm(threshold - 1e-3)), EXHAUSTION_CMAP(norm(threshold))
        assert np.abs(np.subtract(below, at)).sum() > 0.2  # a visible step, not a shade
    m = DashboardModel("jit", seed=2, burnout_high_threshold=0.4, **SMALL)
    canvas = AgencyCanvas()
    canvas.render(m)
    workers = next(c for c in canvas.fig.axes[0].collections if c.get_gid() == "workers")
    assert workers.norm.vcenter == pytest.approx(0.4)


def _texts(fig):
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("layout", ["grid", "row"])
def test_live_chart_text_is_at_least_the_minimum_size(layout):
    m = DashboardModel("jit", seed=4, shock_start=2, shock_weeks=3, **SMALL)
    for _ in range(6):
        m.step()
    series = [model_series(m)] if layout == "grid" else [model_series(m)] * 2
    canvas = ChartCanvas([s[0] for s in series], [s[1] for s in series], (2, 3), layout)
    png = canvas.render(series)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    texts = _texts(canvas.fig)
    assert len(texts) >= 12  # titles, tick labels, axis labels, latest values
    for t in texts:
        assert t.get_fontsize() * DPI / 72 >= MIN_TEXT_PX - 1e-6, t.get_text()
    assert MIN_TEXT_PX >= 14
    # the agency picture has no text at all (its legend and counters are HTML)
    agency = AgencyCanvas()
    agency.render(m)
    assert not _texts(agency.fig)


def test_charts_download_as_png_and_svg():
    m = DashboardModel("jit", seed=4, **SMALL)
    m.step()
    canvas = ChartCanvas(["JIT-only"], ["black"])
    canvas.render([model_series(m)])
    png, svg = canvas.export("png"), canvas.export("svg")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg[:2000] and b"Turnover" in svg
    canvas.render([model_series(m)])  # live drawing still works after an export


def test_help_lists_every_control_from_the_registry():
    text = explainer_html()
    assert text.count("<tr>") == len(CONTROLS) + 1
    for name in CONTROLS:
        assert f"<code>{name}</code>" in text and C.SHORT_LABELS[name] in text
    assert explainer_html(compare=True).count("<tr>") == len(C.COMPARE_CONTROLS) + 1


def test_guard_rails_flag_an_impossible_agency():
    m = DashboardModel(
        "jit",
        n_workers=5,
        n_clients=300,
        **{k: v for k, v in SMALL.items() if k not in ("n_workers", "n_clients")},
    )
    keys = {w.key for w in agency_warnings(m.params)}
    assert {"demand_high", "caseload"} <= keys
    assert not agency_warnings(DashboardModel("jit", **SMALL).params)


@pytest.mark.parametrize("name", ["page", "compare_page"])
def test_pages_render_outside_the_server_as_in_jupyter(name):
    import ipyvuetify as v
    import solara

    import sim.app.dashboard

    _box, rc = solara.render(getattr(sim.app.dashboard, name), handle_error=False)
    try:

        def status():
            return [
                w.children[0]
                for w in rc.find(v.Html).widgets
                if "wf-status" in str(w.class_).split()
            ]

        assert len(status()) == (2 if name == "compare_page" else 1)
        assert all(" · week 0 · " in t for t in status())
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert all(" · week 1 · " in t for t in status())
        # none of Mesa's own controls
        texts = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
        for mesa_control in ("Play Interval", "Render Interval", "Use Threads"):
            assert mesa_control not in texts
    finally:
        rc.close()


# -- the command -------------------------------------------------------------------------
@pytest.mark.parametrize("port", ["70000", "-1", "65536"])
def test_dashboard_rejects_a_bad_port(port, capsys):
    assert main(["dashboard", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and err.count("\n") == 1


def test_dashboard_rejects_a_non_numeric_port_and_a_port_in_use(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--port", "eighty"])
    assert exc.value.code == 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["dashboard", "--port", str(s.getsockname()[1])]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_dashboard_binds_localhost_by_default():
    from sim.cli import build_parser
    from sim.cli.dashboard import command

    args = build_parser().parse_args(["dashboard"])
    assert args.host == "127.0.0.1"
    argv = command(args.host, 8765)
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and "sim.app.dashboard" in argv


# -- in a real browser -------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Seconds the server may take to answer its first request (Solara boots slowly on a busy
#: machine); the wait ends as soon as it answers, or at once if the server exits.
SERVER_DEADLINE = 240
#: Seconds a page may take to show a change (polled; ends as soon as it shows).
PAGE_TIMEOUT = 120


def _wait_until_serving(proc: subprocess.Popen, url: str, log: Path) -> None:
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            pytest.fail(
                f"the dashboard server exited with status {proc.returncode} before "
                f"answering {url}; its log:\n{log.read_text()}"
            )
        if time.monotonic() - start > SERVER_DEADLINE:
            pytest.fail(
                f"the dashboard server did not answer {url} within "
                f"{SERVER_DEADLINE} s; its log:\n{log.read_text()}"
            )
        time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    """End the server and every process it started (its own process group)."""
    killpg = getattr(os, "killpg", None)
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 20)):
        if killpg is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                killpg(proc.pid, sig)  # the group outlives its leader: kill it even so
        elif proc.poll() is None:  # pragma: no cover - not POSIX
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """``python -m sim dashboard`` on a free port and a headless Chromium: (browser, URL).

    Skips only where playwright is not importable or there is no Chromium. The server
    boots while the browser starts.
    """
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no browser at {CHROMIUM} (apt-get install chromium, or set "
            "WORKFORCE_SIM_CHROMIUM to a Chromium binary)"
        )
    from sim.cli.dashboard import fetch_assets
    from sim.core.errors import UsageError

    with contextlib.suppress(UsageError):  # no npm: Solara fetches from its CDN instead
        fetch_assets(quiet=True)  # offline machines: Solara's browser code from npm
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with open(log, "w") as out:  # its own session: the teardown ends all it started
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            try:
                _wait_until_serving(proc, url, log)
                yield browser, url
            finally:
                browser.close()
    finally:
        _stop(proc)
    assert "Traceback" not in log.read_text(), log.read_text()


def _status(page, cls="wf-status"):
    return page.locator(f".{cls}").first.inner_text()


def _wait_status(page, pattern, cls="wf-status", timeout=PAGE_TIMEOUT, unlike=None):
    """The status line once it matches ``pattern`` (and differs from ``unlike``)."""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, text := _status(page, cls)) or text == unlike:
        if time.monotonic() > deadline:
            raise AssertionError(f"status {text!r} never matched {pattern!r}")
        time.sleep(0.1)
    return text


def _src(page, cls):
    return page.locator(f"img.{cls}").get_attribute("src")


def _wait_src_change(page, cls, old, timeout=PAGE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while (new := _src(page, cls)) == old:
        assert time.monotonic() < deadline, f"{cls} picture did not change"
        time.sleep(0.1)
    return new


def _headcount(text):
    return int(re.search(r"(\d+) workers?", text).group(1))


def _reset(page):
    page.get_by_role("button", name="Reset").click()


def _control(page, name):
    return page.locator(f".wf-control-{name}")


def _font_px(locator):
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


@pytest.mark.slow
def test_dashboard_in_a_browser(live, tmp_path):
    from playwright import sync_api

    browser, dashboard = live
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(PAGE_TIMEOUT * 1000)  # waits end as soon as their condition holds
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status}: {r.url}"))
    page.goto(dashboard)
    page.wait_for_selector("img.wf-charts")
    page.wait_for_selector("img.wf-agency")
    status = _wait_status(page, r"week 0 ")
    assert status.startswith("JIT-only · seed 42")
    assert page.locator(".wf-caption").first.inner_text().startswith("Regime: JIT-only (")

    # none of Mesa's internal controls; every control labelled with its value and unit
    body = page.locator("body").inner_text()
    for mesa_control in ("Play Interval", "Render Interval", "Use Threads", "Override"):
        assert mesa_control not in body
    for name in CONTROLS:
        label = C.control_label(name, C.default_values("jit")[name])
        assert _control(page, name).get_by_text(label, exact=True).is_visible(), label

    # projector-sized text: HTML at least 14 px; pictures shown at their own size, whose
    # text is at least MIN_TEXT_PX (test_live_chart_text_is_at_least_the_minimum_size)
    for sel in (".wf-status", ".wf-caption", ".wf-counters", ".wf-control-label", ".wf-key"):
        assert _font_px(page.locator(sel).first) >= 14, sel
    for cls in ("wf-charts", "wf-agency"):
        scale = page.locator(f"img.{cls}").evaluate("i => i.clientWidth / i.naturalWidth")
        assert MIN_TEXT_PX * scale >= 14, (cls, scale)

    # a step moves the week on and redraws the charts and the picture
    charts, agency = _src(page, "wf-charts"), _src(page, "wf-agency")
    page.get_by_role("button", name="Step").click()
    _wait_status(page, r"week 1 ")
    charts = _wait_src_change(page, "wf-charts", charts)
    agency = _wait_src_change(page, "wf-agency", agency)
    assert re.match(r"In week 1: \d+ hires?, \d+ leavers?\.", _status(page, "wf-counters"))

    # a training slider applies directly: the regime becomes custom
    thumb = _control(page, "preservice_hours").get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowRight")
    page.locator(".wf-regime-now").get_by_text("Custom (from JIT-only)").wait_for()
    page.locator(".wf-pending").wait_for()  # the page says a Reset is needed
    _reset(page)
    status = _wait_status(page, r"^Custom \(from JIT-only\) · seed 42 · week 0 ")
    caption = page.locator(".wf-caption").first.inner_text()
    assert (
        caption.startswith("Regime: Custom (from JIT-only)")
        and "Pre-service training = " in caption
    )
    assert page.locator(".wf-pending").count() == 0

    # posts to their minimum (5 posts for 300 clients), then Reset: a warning above the picture
    thumb = _control(page, "n_workers").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")
    assert thumb.get_attribute("aria-valuenow") == str(PARAMS["n_workers"].low)
    _control(page, "n_workers").get_by_text(f"Posts: {PARAMS['n_workers'].low} posts").wait_for()
    assert page.locator(".wf-warning").count() == 0
    before = _headcount(status)
    _reset(page)
    status = _wait_status(page, r"week 0 ", unlike=status)
    assert _headcount(status) <= PARAMS["n_workers"].low < before
    warning = page.locator(".wf-warning").first
    warning.wait_for()
    assert "300 clients" in warning.inner_text()
    assert "Posts = 5 posts" in page.locator(".wf-caption").first.inner_text()
    agency = _wait_src_change(page, "wf-agency", agency)

    # editing the seed never breaks Reset: a number, any text (a blank box: unit test)
    seed_box = page.get_by_label(re.compile("^Seed"))
    for text, shown in (("7", "seed 7 "), ("not a number", f"seed {zlib.crc32(b'not a number')} ")):
        seed_box.fill(text)
        seed_box.press("Enter")
        _reset(page)
        status = _wait_status(page, shown + "· week 0 ", unlike=status)

    # the regime selector sets the training to its preset: the regime is no longer custom
    page.locator(".v-select").filter(has_text="Training regime").click()
    page.get_by_role("option", name="Foundation-first").click()
    page.locator(".wf-regime-now").get_by_text("Regime: Foundation-first").wait_for()
    _reset(page)
    _wait_status(page, r"^Foundation-first · seed \d+ · week 0 ")

    # Play runs on by itself; Pause stops it
    page.get_by_role("button", name="Play").click()
    _wait_status(page, r"week ([3-9]|\d\d+) ")
    page.get_by_role("button", name="Pause").click()
    sync_api.expect(page.get_by_role("button", name="Step")).to_be_enabled()
    deadline = time.monotonic() + PAGE_TIMEOUT
    while (week := _status(page)) != (time.sleep(2) or _status(page)):  # paused: it stays
        assert time.monotonic() < deadline, "the week still moves after Pause"
    page.get_by_role("button", name="Step").click()
    n = int(re.search(r"week (\d+) ", week).group(1))
    _wait_status(page, f"week {n + 1} ")

    # the current charts and picture download as PNG and SVG
    for label, head in (
        ("Charts PNG", b"\x89PNG"),
        ("Charts SVG", b"<?xml"),
        ("Picture PNG", b"\x89PNG"),
    ):
        with page.expect_download() as dl:
            page.get_by_role("button", name=label).click()
        path = tmp_path / dl.value.suggested_filename
        dl.value.save_as(path)
        assert path.read_bytes().startswith(head), label

    # the help lists every control, from the registry
    page.get_by_text("How to read this").click()
    help_table = page.locator("table.wf-help")
    help_table.wait_for()
    assert help_table.locator("tr").count() == len(CONTROLS) + 1
    assert not errors, errors  # nothing failed to load (works offline once assets are cached)
    page.close()


@pytest.mark.slow
def test_side_by_side_page_in_a_browser(live):
    browser, dashboard = live
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(PAGE_TIMEOUT * 1000)  # waits end as soon as their condition holds
    page.goto(dashboard + "compare")
    page.wait_for_selector("img.wf-charts")
    a = _wait_status(page, r"week 0 ", "wf-status-a")
    b = _wait_status(page, r"week 0 ", "wf-status-b")
    assert a.startswith("JIT-only · week 0") and b.startswith("Foundation-first · week 0")
    assert page.locator(".wf-caption").first.inner_text().startswith("Seed 42, the same for both.")
    assert page.locator(".wf-control-preservice_hours").count() == 0  # each keeps its preset
    pics = [_src(page, c) for c in ("wf-agency-a", "wf-agency-b", "wf-charts")]
    page.get_by_role("button", name="Step").click()
    _wait_status(page, r"week 1 ", "wf-status-a")
    _wait_status(page, r"week 1 ", "wf-status-b")
    for cls, old in zip(("wf-agency-a", "wf-agency-b", "wf-charts"), pics, strict=True):
        _wait_src_change(page, cls, old)
    page.close()
