"""The interactive dashboard: inputs from the registry, the agency picture, the CLI, and
the app itself driven in a real (headless) browser."""

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

from sim.app.dashboard import (
    CHART_METRICS,
    CHECKBOXES,
    CONTROL_GROUPS,
    CONTROLS,
    DASHBOARD_MAX,
    SLIDERS,
    TRAINING_OVERRIDES,
    ComparisonModel,
    DashboardModel,
    agency_figure,
    compare_params,
    metrics_figure,
    model_params,
    model_series,
    parse_seed,
)
from sim.cli import main
from sim.core.model import WorkforceModel
from sim.core.params import PARAMS, REGIME_LABELS, REGIMES

from helpers import SMALL

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WORKFORCE_SIM_CHROMIUM", "/usr/bin/chromium")


# -- inputs from the registry ------------------------------------------------------------
@pytest.mark.parametrize("make", [model_params, compare_params])
def test_sliders_are_derived_from_the_registry(make):
    specs = make()
    for name in SLIDERS:
        p, spec = PARAMS[name], specs[name]
        assert spec["type"] == ("SliderInt" if p.kind == "int" else "SliderFloat")
        assert spec["label"] == f"{name} ({p.unit})"
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
    assert set(TRAINING_OVERRIDES) <= set(SLIDERS)
    assert all(PARAMS[n].group == "training" for n in TRAINING_OVERRIDES)
    for name in CHECKBOXES:
        assert PARAMS[name].kind == "bool"
        assert specs[name] == {"type": "Checkbox", "value": PARAMS[name].default, "label": name}
    selects = [v for v in specs.values() if v.get("type") == "Select"]
    assert selects and all(s["values"] == list(REGIME_LABELS.values()) for s in selects)
    assert specs["seed"]["type"] == "InputText"


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


@pytest.mark.parametrize("make", [model_params, compare_params])
def test_the_levers_are_controls_in_their_groups(make):
    specs = make()
    for group, names in ISSUE_11_LEVERS.items():
        assert names <= set(CONTROL_GROUPS[group]), group
        assert names <= set(specs)
    assert len(CONTROLS) == len(set(CONTROLS)) == len(SLIDERS) + len(CHECKBOXES)
    assert all(name in PARAMS for name in CONTROLS)


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


def test_mesa_reset_with_edited_inputs_builds_a_new_model():
    """What SolaraViz's Reset does: rebuild the model from the inputs' current values."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    model = DashboardModel("jit", **SMALL)
    values = {k: v.get("value") for k, v in model_params().items()}
    for seed in ("7", "not a number", "", 11):
        values.update({**SMALL, "seed": seed, "regime": "Hybrid", "n_workers": 40})
        kwargs = _build_model_init_kwargs(
            model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True
        )
        assert "scenario" in kwargs  # Mesa adds one; the model ignores it
        new = type(model)(**kwargs)
        assert new.regime == "hybrid" and new.params["n_workers"] == 40 and new.t == 0
        new.step()


def test_training_sliders_apply_only_when_overriding_the_regime():
    plain = DashboardModel("Hybrid", preservice_hours=8.0, mentoring_hours=3.0, **SMALL)
    assert plain.params["preservice_hours"] == REGIMES["hybrid"]["preservice_hours"]
    assert plain.params["mentoring_hours"] == REGIMES["hybrid"]["mentoring_hours"]
    over = DashboardModel(
        "Hybrid", preservice_hours=8.0, mentoring_hours=3.0, override_training=True, **SMALL
    )
    assert over.params["preservice_hours"] == 8.0 and over.params["mentoring_hours"] == 3.0


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


# -- the agency picture ------------------------------------------------------------------
def _points(fig, gid):
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    return sum(len(c.get_offsets()) for c in found)


def test_agency_picture_shows_every_live_worker_and_client():
    m = DashboardModel("foundation", seed=3, float_pool=4, time_to_fill=2.0, **SMALL)
    for _ in range(12):
        m.step()
        w = m.workers
        fig = agency_figure(m)
        alive = int(np.count_nonzero(w.alive))
        assert _points(fig, "workers") + _points(fig, "float_workers") == alive
        assert _points(fig, "float_workers") == int(np.count_nonzero(w.alive & w.is_float))
        assert _points(fig, "clients") + _points(fig, "clients_waiting") == m.params["n_clients"]
        assert _points(fig, "clients_waiting") == int(np.count_nonzero(m.clients.primary < 0))
        new = w.alive & (w.hire_week > m.t - 8)
        assert _points(fig, "new_hires") == int(np.count_nonzero(new))
        trainees = w.alive & (w.start_week > m.t)
        assert _points(fig, "in_training") == int(np.count_nonzero(trainees))
    # leavers of the last 8 weeks whose post is still empty are drawn, never a live worker
    left = np.flatnonzero(m.left_week[: w.capacity] > m.t - 8)
    assert _points(fig, "recent_leavers") == int(np.count_nonzero(~w.alive[left]))
    # also works on a plain model (no leaver history) and on a caller's axes
    from matplotlib.figure import Figure

    plain = WorkforceModel("jit", rng=1, **SMALL)
    ax = Figure().add_subplot()
    assert agency_figure(plain, ax=ax) is ax.figure
    assert _points(ax.figure, "workers") == int(np.count_nonzero(plain.workers.alive))


@pytest.mark.parametrize("name", ["page", "compare_page"])
def test_pages_render_outside_the_server_as_in_jupyter(name):
    import ipyvuetify as v
    import solara

    import sim.app.dashboard

    _box, rc = solara.render(getattr(sim.app.dashboard, name), handle_error=False)
    try:
        status = [
            w.children[0] for w in rc.find(v.Html).widgets if "wf-status" in str(w.class_).split()
        ]
        assert len(status) == (2 if name == "compare_page" else 1)
        assert all(" · week 0 · " in t for t in status)
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


@pytest.mark.slow
def test_dashboard_in_a_browser(live):
    browser, dashboard = live
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
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
    charts, agency = _src(page, "wf-charts"), _src(page, "wf-agency")

    # a step moves the week on and redraws the charts and the picture
    page.get_by_role("button", name="Step").click()
    _wait_status(page, r"week 1 ")
    charts = _wait_src_change(page, "wf-charts", charts)
    agency = _wait_src_change(page, "wf-agency", agency)

    # n_workers slider to its minimum, then Reset: a new, much smaller agency
    thumb = page.locator(".v-slider").filter(has_text="n_workers (posts)").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")
    assert thumb.get_attribute("aria-valuenow") == str(PARAMS["n_workers"].low)
    before = _headcount(status)
    _reset(page)
    status = _wait_status(page, r"week 0 ")
    assert _headcount(status) <= PARAMS["n_workers"].low < before
    agency = _wait_src_change(page, "wf-agency", agency)

    # editing the seed never breaks Reset: a number, any text (a blank box: unit test)
    seed_box = page.get_by_label(re.compile("^Seed"))
    for text, shown in (("7", "seed 7 "), ("not a number", f"seed {zlib.crc32(b'not a number')} ")):
        seed_box.fill(text)
        seed_box.press("Enter")
        _reset(page)
        status = _wait_status(page, shown + "· week 0 ", unlike=status)
    assert page.locator(".v-alert").count() == 0

    # the regime selector
    page.locator(".v-select").filter(has_text="Training regime").click()
    page.get_by_role("option", name="Foundation-first").click()
    _reset(page)
    _wait_status(page, r"^Foundation-first · seed \d+ · week 0 ")

    # the help lists every control, from the registry
    page.get_by_text("How to read this").click()
    help_table = page.locator("table.wf-help")
    help_table.wait_for()
    assert help_table.locator("tr").count() == len(CONTROLS) + 1
    for name in ("wage", "self_assessment", "inservice_weeks", "inservice_modules"):
        assert help_table.get_by_text(name, exact=True).count() == 1
    # the new levers are in the sidebar: a slider and a tick box
    assert page.locator(".v-slider").filter(has_text="wage (USD/hour)").count() == 1
    assert page.get_by_label("inservice_modules").count() == 1
    assert not errors, errors  # nothing failed to load (works offline once assets are cached)
    page.close()


@pytest.mark.slow
def test_side_by_side_page_in_a_browser(live):
    browser, dashboard = live
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(PAGE_TIMEOUT * 1000)  # waits end as soon as their condition holds
    page.goto(dashboard + "compare")
    page.wait_for_selector("img.wf-charts")
    a = _wait_status(page, r"week 0 ", "wf-status-a")
    b = _wait_status(page, r"week 0 ", "wf-status-b")
    assert a.startswith("JIT-only · seed 42") and b.startswith("Foundation-first · seed 42")
    pics = [_src(page, c) for c in ("wf-agency-a", "wf-agency-b", "wf-charts")]
    page.get_by_role("button", name="Step").click()
    _wait_status(page, r"week 1 ", "wf-status-a")
    _wait_status(page, r"week 1 ", "wf-status-b")
    for cls, old in zip(("wf-agency-a", "wf-agency-b", "wf-charts"), pics, strict=True):
        _wait_src_change(page, cls, old)
    page.close()
