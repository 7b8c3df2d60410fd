"""How fast the dashboard is in a real browser: first picture, Step, Play.

Starts ``workforce-sim dashboard`` on a free port and drives it with headless Chromium
(Playwright), at a 1280 x 720 viewport, the default agency:

* **first picture**: seconds from the start of the page's loading (the server is
  answering, the browser already running) to both pictures (agency and charts) shown;
* **Step**: seconds from a click on Step until the status line shows the next week and
  both pictures have been replaced (``--steps`` clicks; median and max). Both are timed
  inside the page (``performance.now()``), so Playwright's own round trips do not count;
* **Play**: simulated weeks per second over ``--play`` seconds of Play, from the week
  shown on the page, and pictures per second (how often the charts were replaced).

Targets (issue 13): first picture within 5 s, a Step under 0.3 s, Play at 10 weeks
per second or more. Timings are wall-clock: other work on the machine slows them down;
the load average is printed with them.

    python benchmarks/bench_dashboard.py [--steps 10] [--play 10] [--json out.json]

Needs playwright (``pip install playwright``) and a Chromium binary (``--chromium``,
default ``/usr/bin/chromium`` or ``$WORKFORCE_SIM_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"first_picture_s": 5.0, "step_s": 0.3, "play_weeks_per_s": 10.0}

#: Runs in the page from its first script on: the time (ms since navigation) when the
#: page's code has loaded, when the status line first shows and when both pictures do.
_FIRST = """
window.__wfFirst = {};
const __wfPoll = setInterval(() => {
  const f = window.__wfFirst, now = performance.now();
  if (!f.dom && document.readyState !== 'loading') f.dom = now;
  if (!f.status && document.querySelector('.wf-status')) f.status = now;
  const shown = ['img.wf-agency', 'img.wf-charts'].every(s => {
    const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; });
  if (shown) { f.pictures = now; clearInterval(__wfPoll); }
}, 5);
"""

#: Clicks Step in the page and resolves, with the milliseconds taken, once the status
#: line shows the next week and both pictures have been replaced (timed in the page,
#: so the driver's own round trips are not counted).
_STEP = """() => new Promise(resolve => {
  const week = () => +(/week (\\d+)/.exec(
    document.querySelector('.wf-status').innerText) || [0, -1])[1];
  const src = () => ['img.wf-agency', 'img.wf-charts'].map(s => document.querySelector(s).src);
  const w0 = week(), s0 = src();
  const btn = [...document.querySelectorAll('button')].find(
    b => b.innerText.trim().toLowerCase() === 'step');
  const t0 = performance.now();
  btn.click();
  const poll = () => {
    const s = src();
    if (week() === w0 + 1 && s.every((v, i) => v !== s0[i])) resolve(performance.now() - t0);
    else setTimeout(poll, 2);
  };
  poll();
})"""

#: Counts replacements of the pictures' ``src`` (a new PNG each time).
_WATCH = """() => {
  window.__wf = {charts: 0, agency: 0};
  const watch = (sel, key) => {
    const img = document.querySelector(sel);
    new MutationObserver(() => { window.__wf[key] += 1; })
      .observe(img, {attributes: true, attributeFilter: ['src']});
  };
  watch('img.wf-charts', 'charts');
  watch('img.wf-agency', 'agency');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_serving(proc: subprocess.Popen, url: str, timeout: float = 300) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=30) as r:
                if r.status == 200:
                    return
        if proc.poll() is not None:
            raise SystemExit(f"the dashboard server exited with status {proc.returncode}")
        time.sleep(0.05)
    raise SystemExit(f"the dashboard server did not answer within {timeout:.0f} s")


def _week(page) -> int:
    text = page.locator(".wf-status").first.inner_text()
    return int(re.search(r"week (\d+)", text).group(1))


def measure(chromium: str, steps: int, play_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.mkstemp(prefix="bench_dashboard_", suffix=".log")[1])
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    res: dict = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium,
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            t_boot = time.monotonic()
            _wait_serving(proc, url)
            res["server_start_s"] = time.monotonic() - t_boot
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.add_init_script(_FIRST)
            page.set_default_timeout(300_000)
            page.goto(url)
            page.wait_for_function("() => window.__wfFirst && window.__wfFirst.pictures")
            first = page.evaluate("() => window.__wfFirst")
            res["first_picture_s"] = first["pictures"] / 1000
            res["first_page_code_s"] = first.get("dom", float("nan")) / 1000
            res["first_status_s"] = first.get("status", float("nan")) / 1000

            times = [page.evaluate(_STEP) / 1000 for _ in range(steps)]
            res["step_s"] = {
                "median": statistics.median(times),
                "max": max(times),
                "n": len(times),
            }

            page.evaluate(_WATCH)
            week0, t = _week(page), time.monotonic()
            page.get_by_role("button", name="Play").click()
            time.sleep(play_s)
            week1, t1 = _week(page), time.monotonic()
            frames = page.evaluate("() => window.__wf")
            page.get_by_role("button", name="Pause").click()
            res["play"] = {
                "seconds": t1 - t,
                "weeks": week1 - week0,
                "weeks_per_s": (week1 - week0) / (t1 - t),
                "charts_per_s": frames["charts"] / (t1 - t),
                "agency_per_s": frames["agency"] / (t1 - t),
            }
            browser.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=10, help="Step clicks timed (default 10)")
    ap.add_argument("--play", type=float, default=10.0, help="seconds of Play (default 10)")
    ap.add_argument(
        "--chromium",
        default=os.environ.get("WORKFORCE_SIM_CHROMIUM", "/usr/bin/chromium"),
        help="Chromium binary",
    )
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    res = measure(args.chromium, args.steps, args.play)
    meta = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_before": load,
        "load_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    play, step = res["play"], res["step_s"]
    print(
        f"dashboard benchmark, {meta['date']}, {meta['cpus']} CPUs, load average "
        f"{load[0]:.1f} before / {meta['load_after'][0]:.1f} after"
    )
    rows = [
        ("server start (launch to first answer)", f"{res['server_start_s']:.1f} s", ""),
        ("  page code loaded (after navigation)", f"{res['first_page_code_s']:.2f} s", ""),
        ("  status line shown", f"{res['first_status_s']:.2f} s", ""),
        (
            "first picture (after the server answers)",
            f"{res['first_picture_s']:.2f} s",
            f"< {TARGETS['first_picture_s']:g} s",
        ),
        (
            f"Step (median / max of {step['n']})",
            f"{step['median']:.3f} / {step['max']:.3f} s",
            f"< {TARGETS['step_s']:g} s",
        ),
        (
            f"Play ({play['seconds']:.0f} s)",
            f"{play['weeks_per_s']:.1f} weeks/s",
            f">= {TARGETS['play_weeks_per_s']:g} weeks/s",
        ),
        ("  pictures per second while playing", f"{play['charts_per_s']:.1f}", ""),
    ]
    for name, value, target in rows:
        print(f"  {name:<44} {value:>20}   {target}")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": res}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
