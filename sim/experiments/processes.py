"""Worker processes that never outlive their command; SIGTERM handled like Ctrl-C.

**Pools.** Every process pool of the package (replicated runs, sweeps, calibration) is
made by :func:`process_pool`: fresh processes (forkserver where available) that ignore
Ctrl-C (the parent handles it) and watch the process that made the pool, ending
themselves the moment it ends, even by SIGKILL, when no cleanup can run in it. With
the forkserver start method a worker's parent is the fork server, which lives as long
as any worker does (each holds its "alive" pipe), so the kernel's parent-death signal
would never fire; the workers therefore watch the main process itself, through a
process file descriptor (``os.pidfd_open``, Linux) in a daemon thread that waits
without polling. Once the workers are gone, the fork server and multiprocessing's
resource tracker see their pipes close and exit by themselves. (A dask LocalCluster's
worker processes need no watch: ``distributed`` ends them itself when their parent's
pipe closes; :func:`dask_setup` makes them ignore Ctrl-C like pool workers.)

When the ``with`` block of :func:`process_pool` ends by an exception (Ctrl-C,
SIGTERM, an error), the workers are terminated at once instead of finishing the queued
work; on a normal end the pool is shut down as usual. :func:`pool_map` maps a function
over a list in order, serially or on such a pool, with an optional progress bar: the
one loop behind ``compare``/``run`` and calibration (a sweep streams its runs through
any executor instead, see :mod:`sim.experiments.experiment`).

**Signals.** :func:`handle_signals` (used by the command line) turns SIGTERM into
:class:`Terminated`, a ``KeyboardInterrupt``, so that every path that cleans up after
Ctrl-C runs for it too; :func:`interrupt_status` is then the conventional exit status
(130 for SIGINT, 143 for SIGTERM) and :func:`interruption` the word for the message.
Other signals keep their default action (SIGHUP ends the command like SIGKILL would,
and its workers with it).

This module imports only the standard library (``import sim.cli`` stays fast).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "Terminated",
    "dask_setup",
    "deferred_interrupts",
    "handle_signals",
    "interrupt_status",
    "interruption",
    "mp_context",
    "pool_map",
    "process_pool",
    "terminate",
    "watch_process",
]


# --- signals ----------------------------------------------------------------------------


class Terminated(KeyboardInterrupt):
    """A termination signal (SIGTERM) received: handled like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


#: Signals received while :func:`handle_signals` is active, in order.
_received: list[int] = []
#: Within :func:`deferred_interrupts`: [depth, signal held back (0: none)].
_deferred = [0, 0]


def _interrupt(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _on_signal(signum: int, _frame: object) -> None:
    first = not _received
    _received.append(signum)
    if _deferred[0]:
        if not _deferred[1]:
            _deferred[1] = signum  # raised when the block ends
            return
        if signum != signal.SIGINT:
            return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt  # as Python's own handler: every Ctrl-C interrupts
    if first:
        raise Terminated(signum)
    # a further SIGTERM while the first interruption is being cleaned up is ignored, so
    # the cleanup (terminate workers, save finished runs, mark the manifest) completes


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold back an interruption (Ctrl-C, SIGTERM) that arrives within the block until it
    ends, e.g. while a cluster starts, which cannot be interrupted cleanly; a second
    Ctrl-C interrupts at once. Only while :func:`handle_signals` is active."""
    _deferred[0] += 1
    try:
        yield
    finally:
        _deferred[0] -= 1
        held = 0
        if not _deferred[0]:
            held, _deferred[1] = _deferred[1], 0
    if held:
        raise _interrupt(held)


@contextmanager
def handle_signals() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; restored after.

    Does nothing outside the main thread (Python delivers signals only there). A SIGTERM
    that is ignored or handled by an embedding program when the block starts is left so.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    _deferred[:] = [0, 0]
    old: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(sig)
        if sig == signal.SIGINT and current is not signal.default_int_handler:
            continue  # someone else handles Ctrl-C
        if sig != signal.SIGINT and current != signal.SIG_DFL:
            continue  # ignored, or handled by the embedding program
        old[sig] = signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def interrupt_status() -> int:
    """Exit status after an interruption: 128 + the first signal (130 for Ctrl-C)."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def interruption() -> str:
    """How the command was interrupted, for its message: "interrupted" or "terminated
    by SIGTERM"."""
    if not _received or _received[0] == signal.SIGINT:
        return "interrupted"
    return f"terminated by {signal.Signals(_received[0]).name}"


# --- the watch on the parent ------------------------------------------------------------


def _kill_self() -> None:  # pragma: no cover - runs in worker processes
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for_exit(pid: int, fd: int | None, ppid: int) -> None:  # pragma: no cover
    if fd is not None:
        import select

        select.select([fd], [], [])  # a pidfd becomes readable when its process ends
    else:  # no pidfd (not Linux): the parent is the watched process; poll for the orphaning
        import time

        while os.getppid() == ppid:
            time.sleep(1.0)
    _kill_self()


def watch_process(pid: int) -> None:
    """End this process (SIGKILL) as soon as process ``pid`` ends, however it ends.

    Starts a daemon thread; on Linux it waits on a pidfd (no polling). Elsewhere it
    only works when ``pid`` is this process's parent (it polls ``os.getppid()`` each
    second). Does nothing on Windows.
    """
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = None
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # pragma: no cover - it has already ended
        _kill_self()
    except (AttributeError, OSError):  # pragma: no cover - no pidfd here
        if os.getppid() != pid:
            return
    threading.Thread(
        target=_wait_for_exit,
        args=(pid, fd, os.getppid()),
        name="workforce-sim: watch parent",
        daemon=True,
    ).start()


def _init_worker(
    parent: int, initializer: Callable[..., Any] | None, initargs: tuple
) -> None:  # pragma: no cover - runs in worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the pool
    watch_process(parent)
    if initializer is not None:
        initializer(*initargs)


def dask_setup(worker: object = None) -> None:  # pragma: no cover - runs in dask workers
    """dask preload hook (``LocalCluster(preload=["sim.experiments.processes"])``): the
    worker process ignores Ctrl-C, as pool workers do; the process that started the
    cluster stops it. Its scheduler going away is the command ending (an interrupted
    sweep): the worker's heartbeat error about it, with a traceback, is not shown."""
    import logging

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker").addFilter(_heartbeat_noise)


def _heartbeat_noise(record: Any) -> bool:  # pragma: no cover - runs in dask workers
    return "Failed to communicate with scheduler during heartbeat" not in record.getMessage()


# --- pools ------------------------------------------------------------------------------


def mp_context(method: str | None = None) -> multiprocessing.context.BaseContext:
    """Fresh worker processes: forkserver where available (no fork of a threaded parent),
    or the start ``method`` given (e.g. ``"spawn"``: a new interpreter per worker)."""
    import multiprocessing

    if method is None:
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
    return multiprocessing.get_context(method)


def terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool at once: cancel what is queued, terminate the workers."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.terminate()
        except (OSError, ValueError):  # pragma: no cover - already gone or closed
            pass
    for proc in procs:
        try:
            proc.join(timeout=10)
        except (OSError, ValueError, AssertionError):  # pragma: no cover
            pass


@contextmanager
def process_pool(
    jobs: int,
    *,
    preload: list[str] | None = None,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
    start_method: str | None = None,
) -> Iterator[ProcessPoolExecutor]:
    """A ``ProcessPoolExecutor`` of ``jobs`` workers that never outlive this process.

    Workers ignore Ctrl-C and end when this process ends (see the module docstring);
    ``initializer(*initargs)`` runs in each after that. ``preload``: modules the fork
    server imports once, so that workers do not import them each (no effect if the
    server is already running). ``start_method``: as :func:`mp_context`. Leaving the
    block by an exception terminates the workers at once; otherwise the pool is shut
    down normally.
    """
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp_context(start_method)
    if preload and ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, tuple(initargs)),
    )
    try:
        yield pool
    except BaseException:
        terminate(pool)
        raise
    pool.shutdown(wait=True, cancel_futures=True)


def pool_map(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    jobs: int = 1,
    *,
    pool: ProcessPoolExecutor | None = None,
    progress: bool = False,
    desc: str = "runs",
    unit: str = "run",
) -> Iterator[Any]:
    """``fn`` of each item, yielded in the items' order as they become available.

    On ``pool`` if one is given (e.g. kept open across many calls); else serially in
    this process when ``jobs <= 1`` or there is a single item, or on a
    :func:`process_pool` of ``min(jobs, len(items))`` workers made for this call (and
    terminated at once if the caller stops early by an exception, e.g. Ctrl-C). One
    item per task (``chunksize=1``): a run is long. ``progress``: a tqdm bar named
    ``desc`` (counting ``unit``) on stderr. The results do not depend on ``jobs`` or ``pool``.
    """
    from tqdm import tqdm

    items = list(items)
    bar = tqdm(total=len(items), desc=desc, unit=unit, disable=not progress, file=sys.stderr)
    try:
        if pool is not None:
            for res in pool.map(fn, items, chunksize=1):
                yield res
                bar.update()
        elif jobs <= 1 or len(items) <= 1:
            for item in items:
                yield fn(item)
                bar.update()
        else:
            with process_pool(min(jobs, len(items))) as own:
                for res in own.map(fn, items, chunksize=1):
                    yield res
                    bar.update()
    finally:
        bar.close()
