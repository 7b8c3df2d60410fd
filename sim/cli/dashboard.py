"""``workforce-sim dashboard``: the interactive dashboard in a web browser.

Serves the Solara app :mod:`sim.app.dashboard` (``/``: one agency; ``/compare``: two regimes side
by side) with ``solara run`` in production mode (no file watching, no browser opened,
no version check or telemetry sent). Binds 127.0.0.1 unless ``--host`` says otherwise.
On POSIX the command *becomes* the server process (``exec``), so stopping it (Ctrl-C,
SIGTERM) stops the server with nothing left behind. The server is started with
``WORKFORCE_SIM_DASHBOARD_WARM_UP=1``: when Solara loads the app, before it answers, the
app builds the default agency and draws it once (``sim.app.dashboard.warm_up``), so the
first page shows its picture without waiting for the warm-up.

A ``--host`` that other machines can reach (``0.0.0.0``, ``::``, a LAN address or name)
is allowed, with a warning on standard error: the dashboard has no login. A port that
is taken is refused with exit status 2 and one line of error: checked before the server
starts (:func:`_check_port`), and again where the server binds it (:func:`serve`, which
runs ``solara run`` in the exec'd process), should another program take the port in
between.

Solara loads its browser code (the Vuetify app, RequireJS, Font Awesome) through its
own asset proxy, which fetches from a public CDN on first use and caches the files in
``<prefix>/share/solara/cdn``. Offline machines (CI, a classroom without internet) can
fill that cache once from the npm registry: ``workforce-sim dashboard --fetch-assets``
(needs ``npm``). The command warns when the cache lacks them.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sim.core.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.app.dashboard"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "dashboard",
        help="interactive dashboard in the browser (one agency, or two regimes side by side)",
        description="Serve the interactive dashboard (Mesa SolaraViz). Open the printed URL; "
        "/compare shows two regimes side by side with the same seed.",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on, 1-65535, or 0 for any free port (default {DEFAULT_PORT})",
    )
    p.add_argument(
        "--fetch-assets",
        action="store_true",
        help="download the browser code Solara needs into its local cache (from "
        "the npm registry, with npm) so the dashboard works offline; then exit",
    )
    p.set_defaults(func=run)


# -- Solara's browser assets -------------------------------------------------------------
def asset_cache_dir() -> Path:
    """Where Solara's asset proxy looks for (and caches) CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def asset_packages() -> list[tuple[str, str]]:
    """``(npm name, version)`` of the browser packages the installed Solara loads.

    Read from Solara itself (its page template and settings), so an upgrade of Solara
    asks for the versions it needs.
    """
    import ipyvue
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    template = (root / "server" / "templates" / "solara.html.j2").read_text()
    app = (
        "@widgetti/solara-vuetify3-app"
        if ipyvue.__version__.startswith("3")
        else "@widgetti/solara-vuetify-app"
    )
    out = [(app, v) for v in dict.fromkeys(re.findall(re.escape(app) + r"@([\w.-]+)/", template))]
    m = re.match(r"/?(@?[^@/]+(?:/[^@/]+)?)@([\w.-]+)/", settings.assets.fontawesome_path)
    if m:
        out.append((m.group(1), m.group(2)))
    out.append(("requirejs", "2.3.6"))  # loaded by Solara's widgets (pinned in Solara)
    return out


def missing_assets() -> list[tuple[str, str]]:
    cache = asset_cache_dir()
    return [
        (n, v) for n, v in asset_packages() if not (cache / f"{n}@{v}" / "package.json").is_file()
    ]


def fetch_assets(quiet: bool = False) -> list[tuple[str, str]]:
    """Fill Solara's asset cache from the npm registry (``npm pack``); return what was added."""
    todo = missing_assets()
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError(
            "--fetch-assets needs npm (Node.js); without it the dashboard fetches "
            "its browser code from the CDN when it first runs (needs internet)"
        )
    cache = asset_cache_dir()
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in todo:
            spec = f"{name}@{version}"
            if not quiet:
                print(f"fetching {spec} ...", flush=True)
            res = subprocess.run(
                [npm, "pack", "--silent", "--pack-destination", tmp, spec],
                capture_output=True,
                text=True,
            )
            if res.returncode != 0:
                raise UsageError(
                    f"npm pack {spec} failed: "
                    f"{(res.stderr or res.stdout).strip().splitlines()[-1:]}"
                )
            tgz = Path(tmp) / res.stdout.strip().splitlines()[-1]
            dest = cache / spec
            part = cache / f".{name.replace('/', '_')}@{version}.partial"
            shutil.rmtree(part, ignore_errors=True)
            with tarfile.open(tgz) as tf:
                tf.extractall(part, filter="data")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(part / "package", dest)
            shutil.rmtree(part, ignore_errors=True)
    return todo


def _check_port(host: str, port: int) -> int:
    """The port to use (a free one for 0); a clear error if it is invalid or taken."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535 (or 0 for any free port), got {port}")
    if not host.strip():
        raise UsageError("--host must not be empty")
    try:
        infos = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host!r} is not a usable address ({exc})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr[:2] if port else (addr[0], 0))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(_in_use_message(host, port)) from None
            raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        return s.getsockname()[1]


def exposure_warning(host: str) -> str | None:
    """A warning if ``host`` makes the dashboard reachable from other machines, else None.

    Loopback addresses (``127.0.0.1``, ``::1``, ``localhost``) keep it on this machine;
    anything else (``0.0.0.0`` and ``::``, which mean every interface, a LAN address, a
    host name that resolves beyond loopback) exposes it.
    """
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    except (OSError, ValueError):
        addresses = set()
    if addresses and all(a.is_loopback for a in addresses):
        return None
    return (
        f"warning: --host {host} makes the dashboard reachable from other machines on "
        "the network, and it has no login: anyone who can reach this port can use it. "
        f"The default --host {DEFAULT_HOST} keeps it on this machine."
    )


def _in_use_message(host: str, port: int | str) -> str:
    return (
        f"cannot listen on {host}:{port} (address already in use); is another dashboard "
        "running? Try another --port"
    )


#: The server process: Solara's command line, run by :func:`serve` (argv follows).
_SERVE = "import sys; from sim.cli.dashboard import serve; sys.exit(serve(sys.argv[1:]))"


def command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard: ``solara run`` through :func:`serve`."""
    return [
        sys.executable,
        "-c",
        _SERVE,
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def serve(solara_args: list[str]) -> int:
    """Run Solara's command line (``solara run ...``) in this process.

    If the server cannot bind its port because another program took it after
    :func:`_check_port` looked, uvicorn logs the error and exits; that becomes the
    command's one-line error and exit status 2.
    """
    import logging

    from solara.__main__ import main as solara_main

    taken: list[OSError] = []

    def in_use(record: logging.LogRecord) -> bool:  # uvicorn logs the bind error itself
        if isinstance(record.msg, OSError) and record.msg.errno == errno.EADDRINUSE:
            taken.append(record.msg)
            return False
        return True

    logging.getLogger("uvicorn.error").addFilter(in_use)
    sys.argv = ["solara", *solara_args]
    try:
        solara_main()
    except SystemExit as exc:
        if exc.code in (0, None) or not taken:
            raise
        host = solara_args[solara_args.index("--host") + 1]
        port = solara_args[solara_args.index("--port") + 1]
        print(f"workforce-sim: error: {_in_use_message(host, port)}", file=sys.stderr)
        return 2
    return 0


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the dashboard needs Solara: pip install 'mesa[rec]'")
    if args.fetch_assets:
        added = fetch_assets()
        print(
            f"Solara's browser assets are in {asset_cache_dir()}"
            + (f" (added {len(added)} package(s))" if added else " (nothing to add)")
        )
        return 0
    port = _check_port(args.host, args.port)
    warning = exposure_warning(args.host)
    if warning:
        print(f"workforce-sim: {warning}", file=sys.stderr)
    missing = missing_assets()
    if missing:
        print(
            "note: Solara's browser code is not cached yet; it is fetched from the CDN on "
            "first use (needs internet). Offline, run 'workforce-sim dashboard "
            "--fetch-assets' once.",
            file=sys.stderr,
        )
    # no usage telemetry; and no warning that a cookie on plain-http 127.0.0.1 is 'lax'
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    warn = ",".join(w for w in (os.environ.get("PYTHONWARNINGS"), quiet) if w)
    env = dict(
        os.environ,
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
        PYTHONWARNINGS=warn,
        WORKFORCE_SIM_DASHBOARD_WARM_UP="1",  # see the module docs
    )
    link = url(args.host, port)
    print(f"workforce-sim dashboard: {link}  (two regimes side by side: {link}compare)")
    print("Press Ctrl-C to stop.", flush=True)
    argv = command(args.host, port)
    if os.name == "posix":
        sys.stderr.flush()
        os.execve(sys.executable, argv, env)  # the server replaces this process
    try:  # pragma: no cover - Windows
        return subprocess.call(argv, env=env)
    except KeyboardInterrupt:  # pragma: no cover
        return 130
