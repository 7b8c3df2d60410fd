"""Compiled kernels: one place that configures Numba for every weekly phase.

The weekly phases keep their state in NumPy arrays (:mod:`sim.state`). A phase's
arithmetic over those arrays is a small function compiled with :func:`kernel`, a loop
over rows that Numba turns into machine code, and the whole week runs as one compiled
call (:func:`sim.phases.week`): a week costs microseconds per phase instead of one
NumPy call per operation (which dominates for agencies of a few hundred people).
Random numbers come from the model's generator through :mod:`sim.draws`, so a run
depends only on its seed.

Compiled code is cached on disk next to the sources (``__pycache__``), so only the
first import on a machine pays the compilation (about a minute; ``make`` does it at
install). Numba checks a cached function against its own source file only, not the
kernels it calls in other files, so :func:`_purge_stale_cache` drops every cached
kernel of the package whenever a file that compiled code depends on has changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba

__all__ = ["kernel"]

_PACKAGE = Path(__file__).resolve().parent


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, with NumPy's error semantics."""
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)


#: Modules whose constants compiled kernels read, besides the files that define kernels.
_KERNEL_DEPENDENCIES = ("jit.py", "state.py", "metrics.py")


def _kernel_sources() -> list[Path]:
    """The files compiled code depends on: every file that defines a kernel, and the
    modules of :data:`_KERNEL_DEPENDENCIES` (their constants are frozen into kernels)."""
    files = {p for p in _PACKAGE.rglob("*.py") if "@kernel" in p.read_text(encoding="utf-8")}
    files |= {_PACKAGE / name for name in _KERNEL_DEPENDENCIES if (_PACKAGE / name).is_file()}
    return sorted(files)


def _sources_digest() -> str:
    h = hashlib.sha256(numba.__version__.encode())
    for path in _kernel_sources():
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _purge_stale_cache() -> None:
    """Delete the package's cached kernels if any source file changed since they were
    compiled (a kernel's cache entry does not notice changes in the kernels it calls)."""
    cache = _PACKAGE / "__pycache__"
    stamp = cache / "kernels.sha256"
    try:
        cache.mkdir(exist_ok=True)
        with open(cache / "kernels.lock", "w") as lock:
            with contextlib.suppress(ImportError, OSError):
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            digest = _sources_digest()
            if stamp.exists() and stamp.read_text() == digest:
                return
            for pattern in ("*.nbi", "*.nbc"):
                for path in _PACKAGE.rglob(f"__pycache__/{pattern}"):
                    with contextlib.suppress(OSError):
                        path.unlink()
            tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(digest)
            tmp.replace(stamp)
    except OSError:  # a read-only installation: its sources do not change either
        pass


_purge_stale_cache()
