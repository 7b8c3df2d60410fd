"""Parameter sweeps: thousands of points x replications, streamed to disk, resumable.

:func:`sweep` runs every (point, replicate) of a :class:`sim.experiments.sweepspec.SweepSpec` on any
:class:`concurrent.futures.Executor` (default: a local process pool; ``"dask"``: a
``dask.distributed`` cluster) and :func:`load` reads the results back as pandas
DataFrames.

Seeding: run (point *p*, replicate *r*) of design point *d* uses
``SeedSequence(seed, spawn_key=(d, r))``; its integer ``seed`` is drawn from that child
by :func:`sim.experiments.runner.run_seed`, as in ``compare``. Points that differ only in
a crossed factor
(``[sweep] cross``) share *d*, hence their random numbers (common random numbers, as in
``workforce-sim compare``). Seeds depend on nothing else, so the executor, the number
of workers, the order runs finish in and interruptions change no result.

Storage (:mod:`sim.experiments.store`): each run is written to disk the moment it finishes (a small
pending file), and every ``chunk_runs`` runs the pending runs are merged into one
numbered chunk file per table; every file is written to a temporary name and renamed.
At most ``max_in_flight`` runs are submitted at once (default twice the workers) and at
most ``chunk_runs`` finished runs are held in memory, so memory stays flat as the sweep
grows, and a crash (Ctrl-C, SIGKILL) loses only the runs in flight.
``resume=True`` runs only the missing runs, after checking that the spec matches the
manifest's; it first sets aside damaged chunks (to ``corrupt/``; their runs run again).
Every chunk of a table has the one schema of :func:`table_schemas` (also in the
manifest), and every run has one row.

A run that raises is recorded with ``status = "failed"`` and its traceback; the sweep
carries on.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import UsageError
from sim.core.outputs import METRICS
from sim.experiments.columns import write_columns
from sim.experiments.limits import show
from sim.experiments.processes import deferred_interrupts, process_pool
from sim.experiments.runner import (
    RunSpec,
    default_jobs,
    package_versions,
    provenance,
    run_one,
    run_seed,
)
from sim.experiments.store import (
    FORMATS,
    ChunkStore,
    Columns,
    default_format,
    read_table,
    write_json,
    write_table,
)
from sim.experiments.sweepspec import SweepSpec, load_spec, parse_spec

__all__ = [
    "EXECUTORS",
    "SweepInterrupted",
    "SweepReport",
    "SweepResults",
    "Task",
    "as_spec",
    "check_executor",
    "load",
    "open_executor",
    "run_task",
    "sweep",
    "table_schemas",
    "tasks",
]

#: ``executor=`` names :func:`sweep` accepts besides an Executor instance.
EXECUTORS: tuple[str, ...] = ("local", "dask")

RUN_ID_COLUMNS = ["run_id", "point", "replicate"]


# --- one run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One run of a sweep, small enough to ship to any worker."""

    run_id: int
    point: int
    design_point: int
    replicate: int
    regime: str
    seed: int
    spawn_key: tuple[int, ...]
    kwargs: dict[str, Any]
    horizon_weeks: int
    every_weeks: int = 0  # 0 = keep no time series
    metrics: tuple[str, ...] = ()
    factors: dict[str, Any] = field(default_factory=dict)  # the point's factor values

    def run_spec(self) -> RunSpec:
        return RunSpec(
            self.run_id,
            self.regime,
            self.replicate,
            self.seed,
            self.spawn_key,
            self.kwargs,
            self.horizon_weeks,
        )


def run_task(
    task: Task, model: Callable[[RunSpec], Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Run one task; never raises for a model error (it is returned as ``failed``).

    ``model`` has the contract of :func:`sim.experiments.runner.run_one` (the default): it takes a
    :class:`~sim.experiments.runner.RunSpec` and returns a mapping with ``"run"`` (final-year value
    of each measure) and ``"timeseries"`` (a weekly DataFrame with a ``week`` column).
    A variant model (e.g. a subclass of ``WorkforceModel``) is swept by passing a
    module-level function of that contract.
    """
    start = time.perf_counter()
    out: dict[str, Any] = {
        "run_id": task.run_id,
        "status": "ok",
        "error": None,
        "summary": None,
        "timeseries": None,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    try:
        res = (model or run_one)(task.run_spec())
        final = res["run"]
        out["summary"] = {m: float(final[m]) for m in METRICS if m in final}
        if task.every_weeks:
            ts = res["timeseries"]
            keep = (ts["week"] % task.every_weeks == 0).to_numpy()
            n = int(keep.sum())
            cols = {
                "run_id": [task.run_id] * n,
                "point": [task.point] * n,
                "replicate": [task.replicate] * n,
            }
            cols.update({c: ts[c].to_numpy()[keep].tolist() for c in ("week", *task.metrics)})
            out["timeseries"] = cols  # columns of plain lists: cheap to ship and to store
    except Exception:
        out.update(status="failed", error=traceback.format_exc(), summary=None, timeseries=None)
    out["wall_seconds"] = time.perf_counter() - start
    return out


def tasks(spec: SweepSpec, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[Task]:
    """The runs of ``spec`` in run_id order (run_id = point x replications + replicate)."""
    reps = spec.replications
    every = spec.every_weeks if spec.timeseries else 0
    for p, d, vals in spec.iter_points():
        if all(p * reps + r in skip for r in range(reps)):
            continue
        regime, kw = spec.point_kwargs(vals)
        for r in range(reps):
            run_id = p * reps + r
            if run_id in skip:
                continue
            seq = np.random.SeedSequence(spec.seed, spawn_key=(d, r))
            yield Task(
                run_id,
                p,
                d,
                r,
                regime,
                run_seed(seq),
                (d, r),
                kw,
                spec.horizon_weeks,
                every,
                spec.timeseries_metrics,
                vals,
            )


# --- executors --------------------------------------------------------------------------


@contextmanager
def open_executor(
    kind: str = "local", jobs: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Executor, int, str]]:
    """An executor, its number of workers and a description; closed on exit.

    ``"local"``: a process pool of ``jobs`` fresh (forkserver) processes that ignore
    Ctrl-C (the parent handles it). ``"dask"``: a ``dask.distributed`` client's executor,
    connected to ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) or, without
    one, to a LocalCluster of ``jobs`` single-threaded worker processes.
    """
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    if kind == "local":
        if scheduler:
            raise UsageError("--scheduler needs --executor dask")
        # workers fork from a server that has imported the model once, instead of
        # importing it each; they end when this process ends (sim.experiments.processes)
        with process_pool(jobs, preload=["__main__", "sim.experiments.experiment"]) as ex:
            yield ex, jobs, f"local process pool ({jobs} process{'es' if jobs > 1 else ''})"
        return
    if kind != "dask":
        raise UsageError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--executor dask needs the optional extra: pip install 'workforce-sim[dask]'"
        ) from None
    cluster = None
    noise = _CancelledFutureNoise()
    logging.getLogger("tornado.application").addFilter(noise)
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
            desc = f"dask scheduler {scheduler}"
        else:
            with deferred_interrupts():  # a cluster stopped half-started cannot be closed
                cluster = LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    # workers ignore Ctrl-C
                    preload=["sim.experiments.processes"],
                )
                client = Client(cluster)
            desc = f"dask LocalCluster ({jobs} worker process{'es' if jobs > 1 else ''})"
        try:
            workers = sum(client.nthreads().values()) or jobs
            yield client.get_executor(pure=False), workers, desc
        except BaseException:
            if cluster is not None:  # interrupted: close the busy workers before the
                _close_workers(cluster)  # scheduler, which they would miss (log noise)
            raise
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
        logging.getLogger("tornado.application").removeFilter(noise)


class _CancelledFutureNoise:
    """A logging filter: when a sweep is interrupted its pending futures are cancelled,
    and distributed's executor may still try to set the result of one, which tornado
    logs with a traceback (``InvalidStateError``). Harmless: dropped."""

    def filter(self, record: Any) -> bool:
        from concurrent.futures import InvalidStateError

        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InvalidStateError)


def check_executor(kind: str, scheduler: str | None = None, timeout: float = 10.0) -> None:
    """Check an executor name before anything is written: ``"dask"`` needs the extra, and
    a ``scheduler`` address (``tcp://HOST:PORT``, ``tls://...`` or ``HOST:PORT``) must
    accept a connection. Raises :class:`~sim.core.errors.UsageError`."""
    import importlib.util
    from urllib.parse import urlsplit

    if kind not in EXECUTORS:
        raise UsageError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
    if kind == "local":
        if scheduler:
            raise UsageError("--scheduler needs --executor dask")
        return
    if importlib.util.find_spec("distributed") is None:
        raise UsageError(
            "--executor dask needs the optional extra: pip install 'workforce-sim[dask]'"
        )
    if not scheduler:
        return
    split = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if split.scheme not in ("tcp", "tls"):
        return  # other transports (inproc, ucx) are checked when the client connects
    bad = UsageError(
        f"--scheduler {scheduler!r} is not a scheduler address; allowed: "
        "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    )
    try:
        host, port = split.hostname, split.port or 8786
    except ValueError:
        raise bad from None
    if not host:
        raise bad
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise UsageError(
            f"--scheduler {scheduler}: cannot reach a dask scheduler at "
            f"{host}:{port} ({exc.strerror or exc}); allowed: the address of a "
            "running scheduler (start one with `dask scheduler`); nothing was "
            "written"
        ) from None
    if split.scheme == "tcp":  # something listens: make sure it is a scheduler (a client
        _identify_scheduler(scheduler, f"tcp://{host}:{port}", timeout)  # would hang)


def _identify_scheduler(scheduler: str, addr: str, timeout: float) -> None:
    """Ask ``addr`` who it is, as dask's own clients do, within ``timeout`` seconds.

    A web server or anything else that accepts the connection but does not speak dask
    would make ``distributed.Client`` wait forever (or read garbage as a message size).
    """
    import asyncio

    from distributed.comm import connect

    async def identity() -> Any:
        comm = await asyncio.wait_for(connect(addr, timeout=timeout), timeout)
        try:
            await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
            return await asyncio.wait_for(comm.read(), timeout)
        finally:
            comm.abort()

    try:
        answer = asyncio.run(identity())
        problem = (
            None
            if isinstance(answer, dict) and answer.get("type") == "Scheduler"
            else f"it answered {show(answer)}"
        )
    except TimeoutError:
        problem = f"no answer within {timeout:g} s"
    except Exception as exc:  # garbage read as a message (MemoryError), a closed stream...
        problem = f"{type(exc).__name__}: {str(exc)[:120]}"
    if problem:
        raise UsageError(
            f"--scheduler {scheduler}: {addr} accepts connections but is not a "
            f"dask scheduler ({problem}); allowed: the address of a running "
            "scheduler (start one with `dask scheduler`); nothing was written"
        )


def _close_workers(cluster: Any, timeout: float = 30.0) -> None:
    """Close a LocalCluster's workers (their runs are lost anyway) and wait, up to
    ``timeout`` seconds, until they are gone."""
    cluster.scale(0)
    deadline = time.monotonic() + timeout
    while cluster.workers and time.monotonic() < deadline:
        time.sleep(0.1)


# --- results ----------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a call of :func:`sweep` did."""

    out: Path
    name: str
    n_runs: int
    n_ok: int
    n_failed: int
    n_skipped: int
    n_new: int
    elapsed: float
    workers: int
    executor: str
    format: str
    interrupted: bool = False
    failures: list[tuple[int, str]] = field(default_factory=list)

    @property
    def runs_per_second(self) -> float:
        return self.n_new / self.elapsed if self.elapsed > 0 else float("nan")

    def text(self) -> str:
        """A short human summary, ending with where the files are."""
        done = self.n_ok + self.n_failed
        lines = [
            f"{self.name}: {done} of {self.n_runs} runs recorded ({self.n_ok} ok, "
            f"{self.n_failed} failed); this session ran {self.n_new} in {self.elapsed:.1f} s "
            f"({self.runs_per_second:.1f} runs/s on {self.executor})"
            + (f", {self.n_skipped} already done" if self.n_skipped else "")
        ]
        for run_id, err in self.failures[:3]:
            lines.append(f"  run {run_id} failed: {err}")
        if self.n_failed > 3:
            lines.append(
                f"  ... {self.n_failed - 3} more failures: see the runs table (status, error)"
            )
        tables = "runs/, summary/" + (", timeseries/" if (self.out / "timeseries").exists() else "")
        lines.append(
            f"Files in {self.out}/: manifest.json, points.{self.format}, {tables} "
            f"({self.format} chunks). In Python: sim.experiment.load({str(self.out)!r})"
        )
        return "\n".join(lines)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`sweep`: what was finished is saved; ``report`` says how much."""

    def __init__(self, report: SweepReport) -> None:
        super().__init__("sweep interrupted")
        self.report = report


def as_spec(spec: SweepSpec | str | Path | Mapping[str, Any]) -> SweepSpec:
    """A :class:`~sim.experiments.sweepspec.SweepSpec` from a spec, the path of a TOML
    spec or a mapping (checked as a spec file is)."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, str | Path):
        return load_spec(spec)
    return parse_spec(spec)


def _more_versions() -> dict[str, str]:
    out = package_versions()
    for pkg in ("SALib", "pyarrow", "dask", "distributed", "tqdm"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Dotted paths where two JSON-like values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    return [] if a == b else [path or "(spec)"]


def _prepare(spec: SweepSpec, out: Path, resume: bool, fmt: str | None) -> tuple[dict, str]:
    """Check ``out`` for a new or resumed sweep; return (manifest, format)."""
    import json

    from sim.experiments.outdir import check_sweep_out

    check_sweep_out(out)  # writable, and new, empty or a sweep of ours: else refused
    man_path = out / "manifest.json"
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if resume:
        if not man_path.is_file():
            raise UsageError(
                f"nothing to resume: {out} has no manifest.json "
                "(run the sweep without --resume first)"
            )
        man = json.loads(man_path.read_text())
        if man.get("fingerprint") != spec.fingerprint():
            diffs = _diff(man.get("spec", {}), spec.to_dict())
            raise UsageError(
                f"cannot resume: the spec differs from the one in {man_path} "
                f"({', '.join(diffs[:5]) or 'spec'}); use the original spec or "
                "another --out"
            )
        have = ChunkStore.detect_format(out) or man.get("format")
        if fmt is not None and have is not None and fmt != have:
            raise UsageError(f"cannot resume as {fmt}: {out} holds {have} chunks")
        fmt = have or fmt or default_format()
        if fmt == "parquet" and default_format() != "parquet":
            raise UsageError(
                f"{out} holds Parquet chunks; install the parquet extra "
                "(pip install 'workforce-sim[parquet]') to resume it"
            )
        return man, fmt
    if man_path.exists():
        raise UsageError(
            f"{out} already holds a sweep (manifest.json); continue it with "
            "--resume, or choose another --out"
        )
    if out.is_dir() and any(p.name != ".lock" for p in out.iterdir()):
        raise UsageError(f"--out {out} is not empty; choose a new or empty directory")
    fmt = fmt or default_format()
    if fmt == "parquet" and default_format() != "parquet":
        raise UsageError(
            "--format parquet needs the parquet extra: pip install 'workforce-sim[parquet]'"
        )
    return {}, fmt


def _manifest(spec: SweepSpec, fmt: str, command: list[str] | None) -> dict[str, Any]:
    root = np.random.SeedSequence(spec.seed)
    return {
        "tool": "workforce-sim",
        "kind": "sweep",
        "command": command if command is not None else sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "running",
        "spec": spec.to_dict(),
        "fingerprint": spec.fingerprint(),
        "spec_source": spec.source,
        "spec_text": spec.text,
        "description": spec.description,
        "root_entropy": str(root.entropy),
        "seeding": "run (point p, replicate r) of design point d uses "
        "numpy.random.SeedSequence(root_entropy, spawn_key=(d, r)); seed = "
        "(state[0] << 31) | (state[1] >> 1) of its generate_state(2, uint32); "
        "the design itself is drawn from spawn_key=(0,)",
        "design": {
            "design": spec.design,
            "design_points": spec.n_design_points,
            "points": spec.n_points,
            "replications": spec.replications,
            "runs": spec.n_runs,
            "factors": spec.factor_names,
            "crossed": list(spec.cross),
        },
        "format": fmt,
        "tables": {
            "runs": "one row per run: ids, factor values, seed, spawn_key, status, "
            "error, wall_seconds, worker",
            "summary": "one row per successful run: final-year value of each measure",
            "timeseries": "weekly measures every output.every_weeks weeks (optional)",
            "points": "one row per point: factor values and design coordinates",
        },
        **provenance(_more_versions()),
        "sessions": [],
    }


class _Buffer:
    """Finished runs (already safe in ``pending/``) waiting to be written as one chunk."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.records)

    def add(self, store: ChunkStore, run_row: dict[str, Any], res: dict[str, Any]) -> None:
        summary = None
        if res["summary"] is not None:
            summary = {**{k: run_row[k] for k in RUN_ID_COLUMNS}, **res["summary"]}
        record = {"runs": run_row, "summary": summary, "timeseries": res["timeseries"]}
        store.add_pending(run_row["run_id"], record)
        # a run recorded twice (an executor's retry) keeps its latest record only
        self.records = [r for r in self.records if r["runs"]["run_id"] != run_row["run_id"]]
        self.records.append(record)

    def flush(self, store: ChunkStore) -> None:
        if not self.records:
            return
        store.write(store.frames(self.records))
        store.remove_pending(r["runs"]["run_id"] for r in self.records)
        self.records = []


#: Column type of a factor of each kind (:class:`sim.experiments.sweepspec.Factor`).
_FACTOR_TYPES = {"int": "int64", "float": "float64", "bool": "bool", "regime": "string"}


def table_schemas(spec: SweepSpec) -> dict[str, Columns]:
    """The columns of each table of a sweep of ``spec``, in order, with their types
    (``int64``, ``float64``, ``bool``, ``string``): every chunk is written with exactly
    these, so a table's folder reads as one dataset in any tool. A factor's column has
    its parameter's type; ``error`` is a string column even where no run failed."""
    ids = [("run_id", "int64"), ("point", "int64"), ("replicate", "int64")]
    factors = [(f.name, _FACTOR_TYPES[f.kind]) for f in spec.factors if f.name != "regime"]
    design = (
        []
        if spec.design == "factorial"
        else [(f"design.{f.name}", "float64") for f in spec.sampled]
    )
    return {
        "runs": [
            *ids,
            ("design_point", "int64"),
            ("regime", "string"),
            *factors,
            ("seed", "int64"),
            ("spawn_key", "string"),
            ("status", "string"),
            ("error", "string"),
            ("wall_seconds", "float64"),
            ("worker", "string"),
        ],
        "summary": [*ids, *[(m, "float64") for m in METRICS]],
        "timeseries": [*ids, ("week", "int64"), *[(m, "float64") for m in spec.timeseries_metrics]],
        "points": [
            ("point", "int64"),
            ("design_point", "int64"),
            ("regime", "string"),
            *factors,
            *design,
        ],
    }


def _run_row(t: Task, res: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": t.run_id,
        "point": t.point,
        "replicate": t.replicate,
        "design_point": t.design_point,
        "regime": t.regime,
    }
    row.update({k: v for k, v in t.factors.items() if k != "regime"})
    row.update(
        seed=t.seed,
        spawn_key=",".join(map(str, t.spawn_key)),
        status=res["status"],
        error=res["error"],
        wall_seconds=float(res["wall_seconds"]),
        worker=res.get("worker"),
    )
    return row


def sweep(
    spec: SweepSpec | str | Path | Mapping[str, Any],
    executor: Executor | str | None = None,
    out: str | Path = "output/sweep",
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    fmt: str | None = None,
    chunk_runs: int = 200,
    max_in_flight: int | None = None,
    progress: bool | None = None,
    model: Callable[[RunSpec], Mapping[str, Any]] | None = None,
    callback: Callable[[dict[str, Any]], Any] | None = None,
    command: list[str] | None = None,
) -> SweepReport:
    """Run every (point, replicate) of ``spec`` and stream the results into ``out``.

    ``spec``: a :class:`~sim.experiments.sweepspec.SweepSpec`, the path of a TOML spec or a mapping.
    ``executor``: any :class:`concurrent.futures.Executor` (left open), or ``"local"``
    (default: a process pool of ``jobs`` processes) or ``"dask"`` (``scheduler``
    address, or a LocalCluster of ``jobs`` workers). Results do not depend on it.
    ``resume``: run only the runs missing from ``out`` (``retry_failed``: and the
    failed ones). ``fmt``: ``"parquet"`` or ``"csv"`` (default: Parquet when pyarrow is
    installed). ``model``: see :func:`run_task`. ``callback(row)`` is called in this
    process with the runs-table row of each run as it finishes (e.g. for a custom
    progress display). Returns a :class:`SweepReport`; raises
    :class:`SweepInterrupted` (a KeyboardInterrupt) on Ctrl-C after saving what finished.
    """
    spec = as_spec(spec)
    out = Path(out)
    if chunk_runs < 1:
        raise UsageError(f"chunk_runs must be 1 or more, got {chunk_runs}")
    man, fmt = _prepare(spec, out, resume, fmt)
    if not isinstance(executor, Executor):
        check_executor(executor or "local", scheduler)  # before anything is written
    points = spec.points()
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _sweep(
            spec,
            executor,
            out,
            man,
            fmt,
            points,
            jobs=jobs,
            scheduler=scheduler,
            resume=resume,
            retry_failed=retry_failed,
            chunk_runs=chunk_runs,
            max_in_flight=max_in_flight,
            progress=progress,
            model=model,
            callback=callback,
            command=command,
        )


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that two sweeps never write the same directory at once.

    The operating system releases the lock when the process dies, even by SIGKILL.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    with open(out / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"another sweep is writing to {out} right now") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sweep(
    spec: SweepSpec,
    executor: Executor | str | None,
    out: Path,
    man: dict,
    fmt: str,
    points: pd.DataFrame,
    *,
    jobs: int | None,
    scheduler: str | None,
    resume: bool,
    retry_failed: bool,
    chunk_runs: int,
    max_in_flight: int | None,
    progress: bool | None,
    model: Callable[[RunSpec], Mapping[str, Any]] | None,
    callback: Callable[[dict[str, Any]], Any] | None,
    command: list[str] | None,
) -> SweepReport:
    schemas = table_schemas(spec)
    if not man:
        man = _manifest(spec, fmt, command)
        write_table(points, out / f"points.{fmt}", fmt, schemas["points"])
    elif not (out / f"points.{fmt}").exists():
        write_table(points, out / f"points.{fmt}", fmt, schemas["points"])
    else:  # same spec; check the design too (a new SALib or SciPy could draw another)
        try:
            pd.testing.assert_frame_equal(
                read_table(out / f"points.{fmt}"), points, check_dtype=False
            )
        except AssertionError:
            raise UsageError(
                f"cannot resume: the design drawn now differs from the one in "
                f"{out}/points.{fmt} (were SciPy or SALib upgraded? see "
                "manifest.json versions)"
            ) from None
    del points

    man["schema"] = {t: dict(cols) for t, cols in schemas.items()}
    store = ChunkStore(out, fmt, schemas)
    store.clean()
    set_aside = store.set_aside_damaged()  # e.g. zero-length after a power cut
    if set_aside:
        print(
            f"workforce-sim: warning: set aside {len(set_aside)} damaged chunk file(s) in "
            f"{out / 'corrupt'} ({set_aside[0][0].name}: {set_aside[0][1]}); their runs "
            "run again",
            file=sys.stderr,
            flush=True,
        )
    store.dedupe()  # a run left in two chunks by a crash keeps its latest row
    store.absorb_pending(chunk_runs)  # runs saved one by one before a crash
    done = store.completed()
    skip = {r for r, st in done.items() if st == "ok" or not retry_failed}
    n_ok = sum(1 for r in skip if done[r] == "ok")
    n_failed = len(skip) - n_ok
    session = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "resume": resume,
        "runs_before": len(skip),
    }
    if set_aside:
        session["set_aside"] = [
            {"file": str(p.relative_to(out)), "reason": why} for p, why in set_aside
        ]
    man["sessions"].append(session)
    man["status"] = "running"
    write_json(out / "manifest.json", man)

    progress = sys.stderr.isatty() if progress is None else progress
    if isinstance(executor, Executor):
        ctx = _given(executor, jobs)
    else:
        ctx = open_executor(executor or "local", jobs, scheduler)

    report = SweepReport(out, spec.name, spec.n_runs, n_ok, n_failed, len(skip), 0, 0.0, 0, "", fmt)
    start = time.perf_counter()
    buf = _Buffer()
    failures: list[tuple[int, str]] = []
    pending: dict[Future, Task] = {}
    todo = tasks(spec, skip)
    status = "running"
    from tqdm import tqdm

    bar = tqdm(
        total=spec.n_runs,
        initial=len(skip),
        desc=spec.name[:30],
        unit="run",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    if n_failed:
        bar.set_postfix_str(f"failed={n_failed}")
    try:
        with ctx as (ex, workers, desc):
            report.workers, report.executor = workers, desc
            limit = max_in_flight or 2 * workers
            try:
                while True:
                    while len(pending) < limit:
                        t = next(todo, None)
                        if t is None:
                            break
                        pending[ex.submit(run_task, t, model)] = t
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        t = pending.pop(fut)
                        res = _result(fut, t)
                        row = _run_row(t, res)
                        buf.add(store, row, res)
                        if callback is not None:
                            callback(row)
                        report.n_new += 1
                        if res["status"] == "ok":
                            report.n_ok += 1
                        else:
                            report.n_failed += 1
                            if len(failures) < 10:  # the first few, for the summary
                                last = res["error"].strip().splitlines()[-1]
                                failures.append((t.run_id, last))
                            bar.set_postfix_str(f"failed={report.n_failed}")
                        bar.update()
                    if len(buf) >= chunk_runs:
                        buf.flush(store)
                status = "complete" if report.n_failed == 0 else "complete with failures"
            except KeyboardInterrupt:
                status = "interrupted"
                report.interrupted = True
                for f in pending:
                    f.cancel()
                raise  # leaving open_executor terminates our own pool's workers at once
            except BaseException:
                status = "aborted"
                for f in pending:
                    f.cancel()
                raise
    except KeyboardInterrupt:
        status = "interrupted"  # also when it came before the first run (executor start)
        report.interrupted = True
        raise SweepInterrupted(report) from None
    finally:
        bar.close()
        buf.flush(store)
        report.elapsed = time.perf_counter() - start
        report.failures = failures
        session.update(
            ended=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            status=status,
            runs_now=report.n_new,
            elapsed_seconds=round(report.elapsed, 3),
            executor=report.executor,
            workers=report.workers,
        )
        man["status"] = status
        man["counts"] = {"runs": spec.n_runs, "ok": report.n_ok, "failed": report.n_failed}
        write_json(out / "manifest.json", man)
        write_columns(out)
    return report


@contextmanager
def _given(ex: Executor, jobs: int | None) -> Iterator[tuple[Executor, int, str]]:
    """A caller's executor: used as is and left open."""
    workers = getattr(ex, "_max_workers", None) or jobs or default_jobs()
    client = getattr(ex, "_client", None)  # a dask ClientExecutor
    if client is not None:
        workers = sum(client.nthreads().values()) or workers
    yield ex, int(workers), f"{type(ex).__name__} ({workers} worker{'s' if workers != 1 else ''})"


def _result(fut: Future, t: Task) -> dict[str, Any]:
    """A finished future's result; a lost worker is recorded as a failed run."""
    try:
        return fut.result()
    except (BrokenProcessPool, CancelledError):
        raise  # the pool is gone: stop, keep what finished, resume later
    except Exception as exc:  # e.g. dask KilledWorker: this run kills its workers
        return {
            "run_id": t.run_id,
            "status": "failed",
            "summary": None,
            "timeseries": None,
            "error": f"worker lost while running it: {type(exc).__name__}: {exc}",
            "wall_seconds": float("nan"),
            "worker": None,
        }


# --- loading ----------------------------------------------------------------------------


@dataclass
class SweepResults:
    """A sweep read back: tidy pandas DataFrames and the manifest.

    ``runs``: one row per run (ids, ``regime``, factor values, ``seed``, ``spawn_key``,
    ``status``, ``error``, ``wall_seconds``, ``worker``). ``summary``: one row per
    successful run, its final-year measures. ``timeseries``: the kept weekly measures
    (None if not kept). ``points``: the design. All sorted by run_id (point).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame | None
    points: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def factors(self) -> list[str]:
        return list(self.manifest["design"]["factors"])

    def frame(self) -> pd.DataFrame:
        """Successful runs: ids, regime and factor values joined with their measures.

        A factor named like a measure (``module_hours``) gets the suffix ``_factor``.
        """
        cols = ["run_id", "regime", *[f for f in self.factors if f != "regime"]]
        left = self.runs.loc[self.runs["status"] == "ok", cols]
        return self.summary.merge(left, on="run_id", how="left", suffixes=("", "_factor"))


def load(path: str | Path, timeseries: bool = True) -> SweepResults:
    """Read a sweep directory written by :func:`sweep` (complete or not)."""
    import json

    path = Path(path)
    man_path = path / "manifest.json"
    if not man_path.is_file():
        raise UsageError(f"{path} is not a sweep directory (no manifest.json)")
    man = json.loads(man_path.read_text())
    fmt = ChunkStore.detect_format(path) or man.get("format", "csv")
    schemas = {t: list(cols.items()) for t, cols in man.get("schema", {}).items()}
    store = ChunkStore(path, fmt, schemas or None)
    runs = store.read("runs")
    if runs is None:
        runs = pd.DataFrame(columns=[*RUN_ID_COLUMNS, "status", "error"])
    ok = set(runs.loc[runs["status"] == "ok", "run_id"].tolist())
    summary = store.read("summary")
    summary = (
        pd.DataFrame(columns=[*RUN_ID_COLUMNS, *METRICS])
        if summary is None
        else summary[summary["run_id"].isin(ok)].reset_index(drop=True)
    )
    ts = store.read("timeseries") if timeseries else None
    if ts is not None:
        ts = ts[ts["run_id"].isin(ok)].reset_index(drop=True)
    pts_path = path / f"points.{man.get('format', fmt)}"
    points = (
        read_table(pts_path, schema=schemas.get("points")) if pts_path.exists() else pd.DataFrame()
    )
    if "error" in runs:
        runs["error"] = runs["error"].astype(object).where(runs["error"].notna(), None)
    return SweepResults(runs=runs, summary=summary, timeseries=ts, points=points, manifest=man)
