"""No process outlives its command; SIGTERM is handled like Ctrl-C (see sim.experiments.processes).

Each command is started in its own session with two worker processes, killed (SIGKILL)
or terminated (SIGTERM) once its workers exist, and then every process of its session,
and every process seen in its tree while it ran, must be gone within a generous
deadline. Waits poll and end as soon as their condition holds, so the tests do not
depend on the machine's speed. Linux only (they read /proc).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiments import processes

from helpers import scenario_toml, sweep_toml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)

# many runs of a SMALL agency: the workers stay busy for a while after the first is saved
SCENARIO = scenario_toml(regimes=["hybrid"], replications=1000)
SWEEP = sweep_toml(replications=100, factors={"preservice_hours": [16, 40, 120, 200]})
MORRIS = sweep_toml(
    name="tinymorris",
    design="morris",
    samples=20,
    replications=5,
    factors={"preservice_hours": {"low": 16, "high": 120}, "gap_strain": {"low": 0.5, "high": 1.5}},
)
HAS_DASK = importlib.util.find_spec("distributed") is not None

START_DEADLINE = 240  # seconds for a command to start its workers (a busy machine)
GONE_DEADLINE = 30  # seconds for every process to be gone after the signal


# -- the process table -------------------------------------------------------------------
def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent, session, start time) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:160]
    except OSError:
        return "?"


def _table() -> dict[int, tuple[str, int, int, int]]:
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            st = _stat(int(d.name))
            if st is not None and st[0] != "Z":  # a zombie is dead, only not yet reaped
                out[int(d.name)] = st
    return out


def _descendants(root: int) -> dict[int, int]:
    """pid -> start time of every live descendant of ``root``."""
    table = _table()
    kids: dict[int, list[int]] = {}
    for pid, st in table.items():
        kids.setdefault(st[1], []).append(pid)
    out, todo = {}, [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            out[k] = table[k][3]
            todo.append(k)
    return out


def _left(session: int, seen: dict[int, int]) -> list[int]:
    """Live processes of ``session``, or seen in the command's tree (same start time)."""
    table = _table()
    return sorted(
        {p for p, st in table.items() if st[2] == session}
        | {p for p, start in seen.items() if p in table and table[p][3] == start}
    )


# -- running a command -------------------------------------------------------------------
def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen, Path]:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    log = cwd / "command.log"
    with open(log, "wb") as fh:  # a file, not a pipe: a leaked process could hold a pipe
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", *args, "--jobs", "2", "--no-progress"],
            cwd=cwd,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, log


def _signal_when_busy(
    proc: subprocess.Popen, log: Path, sig: int, workers: int, ready: Path | None
) -> dict[int, int]:
    """Wait until ``proc`` has ``workers`` descendants (and ``ready`` exists), signal it
    alone; return every descendant seen."""
    seen: dict[int, int] = {}
    deadline = time.monotonic() + START_DEADLINE
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"the command ended (status {proc.returncode}) before it was "
                f"signalled:\n{log.read_text()[-3000:]}"
            )
        now = _descendants(proc.pid)
        seen.update(now)
        if len(now) >= workers and (ready is None or ready.exists()):
            break
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(
                f"no {workers} worker processes after {START_DEADLINE} s: "
                f"{[_cmdline(p) for p in now]}\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.1)
    os.kill(proc.pid, sig)
    return seen


def _assert_all_gone(proc: subprocess.Popen, seen: dict[int, int], log: Path) -> None:
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(
            f"the command did not end within 120 s of the signal:\n{log.read_text()[-3000:]}"
        )
    deadline = time.monotonic() + GONE_DEADLINE
    while (left := _left(proc.pid, seen)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        described = [f"{p}: {_cmdline(p)}" for p in left]
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        pytest.fail(
            f"{len(left)} process(es) still running {GONE_DEADLINE} s after the "
            "command ended:\n" + "\n".join(described)
        )


def _run_case(
    tmp_path: Path, args: list[str], sig: int, workers: int = 4, ready: str | None = None
) -> tuple[int, str]:
    """Start, signal and check a command; return its exit status and output."""
    proc, log = _start(args, tmp_path)
    try:
        seen = _signal_when_busy(proc, log, sig, workers, tmp_path / ready if ready else None)
        _assert_all_gone(proc, seen, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in _left(proc.pid, {}):  # never leave anything behind, even on failure
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    return proc.returncode, log.read_text()


# local pools: resource tracker + fork server + 2 workers; dask: tracker + 2 workers
CASES = {
    "compare": (["compare", "--out", "out", "--replications", "50", "--horizon", "52"], None, 4),
    "run": (["run", "s.toml", "--out", "out"], None, 4),
    "validate": (["validate", "--replications", "50", "--out", "out"], None, 4),
    "calibrate": (
        ["calibrate", "--budget", "8", "--replications", "8", "--horizon", "52", "--out", "out"],
        None,
        4,
    ),
    "sensitivity": (["sensitivity", "morris.toml", "--out", "out"], "out/pending", 4),
    "sweep": (["sweep", "sweep.toml", "--out", "out"], "out/pending", 4),
    "sweep-dask": (["sweep", "sweep.toml", "--out", "out", "--executor", "dask"], "out/pending", 3),
}


def _files(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SCENARIO)
    (tmp_path / "sweep.toml").write_text(SWEEP)
    (tmp_path / "morris.toml").write_text(MORRIS)


def _case(name: str) -> list:
    marks = (
        [pytest.mark.skipif(not HAS_DASK, reason="needs the dask extra")] if "dask" in name else []
    )
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.slow
@pytest.mark.parametrize("name", [_case(n) for n in CASES])
def test_sigkill_leaves_no_process(tmp_path, name):
    """SIGKILL of the main process: no cleanup can run in it, yet nothing remains."""
    _files(tmp_path)
    args, ready, workers = CASES[name]
    status, _ = _run_case(tmp_path, args, signal.SIGKILL, workers, ready)
    assert status == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("name", [_case(n) for n in ("compare", "calibrate", "sweep-dask")])
def test_sigterm_is_handled_like_ctrl_c(tmp_path, name):
    """SIGTERM: a message, exit status 143, nothing half-written, no process left."""
    _files(tmp_path)
    args, ready, workers = CASES[name]
    status, output = _run_case(tmp_path, args, signal.SIGTERM, workers, ready)
    assert status == 128 + signal.SIGTERM, output
    assert "workforce-sim: terminated by SIGTERM" in output
    assert "Traceback" not in output
    if name.startswith("sweep"):
        assert (
            json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == "interrupted"
        )
    else:
        assert "nothing was written" in output
        assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_sigterm_interrupts_a_sweep_that_resume_completes(tmp_path):
    from sim.cli import main
    from sim.experiments.experiment import load

    _files(tmp_path)
    args, ready, workers = CASES["sweep"]
    status, output = _run_case(tmp_path, args, signal.SIGTERM, workers, ready)
    assert status == 143, output
    assert "terminated by SIGTERM" in output and "--resume" in output
    out = tmp_path / "out"
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "interrupted"
    assert man["sessions"][-1]["status"] == "interrupted"
    saved = len(load(out).runs)
    assert 0 < saved < 400  # some runs were saved, and not all of them
    assert (
        main(
            [
                "sweep",
                str(tmp_path / "sweep.toml"),
                "--out",
                str(out),
                "--resume",
                "--jobs",
                "2",
                "--no-progress",
            ]
        )
        == 0
    )
    res = load(out)
    assert sorted(res.runs.run_id) == list(range(400))  # each run exactly once
    assert (res.runs.status == "ok").all()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


# -- in-process: the signal handling and the pool ----------------------------------------
def test_handle_signals_turns_sigterm_into_an_interruption_and_restores():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(processes.Terminated) as info:
        with processes.handle_signals():
            assert signal.getsignal(signal.SIGTERM) is processes._on_signal  # else: no kill
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs at once; this is never reached in full
    assert isinstance(info.value, KeyboardInterrupt)
    assert processes.interrupt_status() == 143
    assert processes.interruption() == "terminated by SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_ignored_sigterm_stays_ignored_and_deferred_interrupts_wait():
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with processes.handle_signals():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # left as it was
    finally:
        signal.signal(signal.SIGTERM, old)
    with processes.handle_signals():
        assert signal.getsignal(signal.SIGTERM) is processes._on_signal  # else: no kill
        reached = False
        with pytest.raises(processes.Terminated):
            with processes.deferred_interrupts():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.5)
                reached = True  # held back until the block ends
        assert reached
    with processes.handle_signals():  # a fresh command starts with a clean record
        assert processes.interrupt_status() == 130
        assert processes.interruption() == "interrupted"


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_pool_left_by_an_exception_terminates_its_workers_at_once():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="stop"):
        with processes.process_pool(2) as pool:
            futures = [pool.submit(_sleep, 600) for _ in range(4)]
            procs = []
            while len(procs) < 2:  # wait until the workers exist
                procs = list((pool._processes or {}).values())
                time.sleep(0.1)
            raise RuntimeError("stop")
    assert time.monotonic() - start < 300  # not the 600 s the workers would sleep
    assert all(not p.is_alive() for p in procs)
    assert not any(f.done() and not f.cancelled() and f.exception() is None for f in futures)


def test_the_log_noise_of_an_interrupted_dask_sweep_is_dropped_and_nothing_else():
    """On an interruption, distributed's executor may set the result of a cancelled
    future (tornado logs InvalidStateError) and LocalCluster workers miss their gone
    scheduler's heartbeat: both tracebacks were printed under SIGTERM on a busy machine."""
    import logging
    from concurrent.futures import InvalidStateError

    from sim.experiments.experiment import _CancelledFutureNoise

    def record(msg, exc=None):
        return logging.LogRecord(
            "x", logging.ERROR, __file__, 1, msg, None, (type(exc), exc, None) if exc else None
        )

    noise = _CancelledFutureNoise()
    assert not noise.filter(record("Exception in callback", InvalidStateError("CANCELLED")))
    assert noise.filter(record("Exception in callback", ValueError("a real one")))
    assert noise.filter(record("no exception"))
    assert not processes._heartbeat_noise(
        record("Failed to communicate with scheduler during heartbeat.")
    )
    assert processes._heartbeat_noise(record("Compute Failed"))
