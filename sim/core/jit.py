"""Compiled kernels: one place that configures Numba for every weekly phase.

The weekly phases keep their state in NumPy arrays (:mod:`sim.core.state`). A phase's
arithmetic over those arrays is a small function compiled with :func:`kernel`, a loop
over rows that Numba turns into machine code, and the whole week runs as one compiled
call (:func:`sim.core.phases.week`): a week costs microseconds per phase instead of one
NumPy call per operation (which dominates for agencies of a few hundred people).
Random numbers come from the model's generator through :mod:`sim.core.draws`, so a run
depends only on its seed.

Compiled code is cached on disk where Numba puts it: next to the sources
(``__pycache__``), under ``NUMBA_CACHE_DIR`` when that is set, or in the user's cache
directory when the package's folder is read-only. Only the first run on a machine pays
the compilation (see the README for how long; ``make`` does it at install).

The cache looks after itself. Every data file we write starts with a header: a digest
of the package's kernel sources (:func:`_sources_digest`) and a SHA-256 of the rest of
the file. On import, under a file lock shared by all processes (a sweep's workers start
at once), :func:`_check_cache` reads every index and data file of the package's cache:

* a data file compiled from other sources is removed silently: Numba checks a cached
  function against its own source file only, not the kernels it calls in other files,
  so a kernel must compile again whenever any file compiled code depends on changed;
* a damaged file (truncated, zero-filled, overwritten) is removed with the other files
  of its kernel, which then compiles again, and one line of warning goes to stderr.

What the check at import cannot see (a file damaged during a run) is caught when Numba
loads it, with the same remedy (:class:`_HealingCache`): a damaged cache never fails a
run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
from numba.core import caching

__all__ = ["inline_kernel", "kernel"]

_PACKAGE = Path(__file__).resolve().parent

#: A data file: _MAGIC, the sources' digest, the SHA-256 of the rest (Numba's pickle).
_MAGIC = b"workforce-sim kernel cache 1\n"
_HASH = 32
_HEADER = len(_MAGIC) + 2 * _HASH
_LOCK = "kernels.lock"


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, with NumPy's error semantics."""
    dispatcher = numba.njit(nogil=True, error_model="numpy")(fn)
    dispatcher._cache = _HealingCache(fn)  # what ``cache=True`` sets, with our checks
    return dispatcher


def inline_kernel[F: Callable[..., Any]](fn: F) -> F:
    """A kernel called only from other kernels, whose code Numba copies into each caller
    (``inline="always"``) instead of compiling it on its own: for the functions that put
    the week's phases together, whose arguments are the state's large named tuples
    (passing them from one compiled function to another costs more compiling than the
    function itself). Cached as part of its callers."""
    return numba.njit(inline="always", nogil=True, error_model="numpy")(fn)


# -- what compiled code depends on --------------------------------------------------------
#: Modules whose constants compiled kernels read, besides the files that define kernels.
_KERNEL_DEPENDENCIES = ("jit.py", "state.py", "outputs.py")


def _kernel_sources() -> list[Path]:
    """The files compiled code depends on: every file that defines a kernel, and the
    modules of :data:`_KERNEL_DEPENDENCIES` (their constants are frozen into kernels)."""
    files = {
        p
        for p in _PACKAGE.rglob("*.py")
        if any(d in p.read_text(encoding="utf-8") for d in ("@kernel", "@inline_kernel"))
    }
    files |= {_PACKAGE / name for name in _KERNEL_DEPENDENCIES if (_PACKAGE / name).is_file()}
    return sorted(files)


def _sources_digest(sources: list[Path]) -> bytes:
    h = hashlib.sha256(numba.__version__.encode() + _MAGIC)
    for path in sources:
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.digest()


_SOURCES = _kernel_sources()
_DIGEST = _sources_digest(_SOURCES)


# -- integrity of the cache files ---------------------------------------------------------
class _Damaged(ValueError):
    """A cache file that is not what was written."""


class _Stale(ValueError):
    """A data file compiled from other sources (or by an older version of this module)."""


def _payload(blob: bytes) -> bytes:
    """The pickle in a data file written by :class:`_CheckedCacheFile` (or raise)."""
    if not blob.startswith(_MAGIC):
        if blob[:1] == b"\x80":  # a plain Numba pickle: written before these headers
            raise _Stale("no header")
        raise _Damaged("empty" if not blob else "overwritten")
    if len(blob) < _HEADER:
        raise _Damaged("truncated")
    if blob[len(_MAGIC) : len(_MAGIC) + _HASH] != _DIGEST:
        raise _Stale("compiled from other sources")
    payload = blob[_HEADER:]
    if hashlib.sha256(payload).digest() != blob[_HEADER - _HASH : _HEADER]:
        raise _Damaged("checksum mismatch")
    return payload


class _StandIn:
    """What :class:`_Inert` makes of every object a pickle names: anything goes."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _StandIn:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


class _Inert(pickle.Unpickler):
    """Reads a pickle's structure without importing anything: an index names the types of
    its signatures (the package's state arrays, ...), whose module may be half-imported
    when the check runs (it imports this module first), or not imported at all."""

    def find_class(self, module: str, name: str) -> Any:
        return _StandIn


def _check_index(path: Path) -> None:
    """Raise if ``path`` is not a readable Numba index file."""
    with open(path, "rb") as f:
        version = pickle.load(f)
        rest = f.read()
    if version != numba.__version__:  # another Numba's: Numba ignores and replaces it
        return
    _stamp, overloads = _Inert(io.BytesIO(rest)).load()
    if not isinstance(overloads, dict):
        raise _Damaged("index without overloads")


class _CheckedCacheFile(caching.IndexDataCacheFile):
    """Numba's index and data files; each data file starts with our header."""

    def _save_data(self, name: str, data: Any) -> None:
        payload = self._dump(data)
        with self._open_for_write(self._data_path(name)) as f:
            f.write(_MAGIC + _DIGEST + hashlib.sha256(payload).digest() + payload)

    def _load_data(self, name: str) -> Any:
        with open(self._data_path(name), "rb") as f:
            return pickle.loads(_payload(f.read()))


class _HealingCache(caching.FunctionCache):
    """Numba's per-function cache, with checked data files, which treats a file it cannot
    load as missing: it removes the function's files, warns once, and compiles again."""

    def __init__(self, py_func: Callable[..., Any]) -> None:
        super().__init__(py_func)
        self._cache_file.__class__ = _CheckedCacheFile

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)
        except _Stale:
            self._heal(None)
        except Exception as exc:  # whatever a damaged file raises (pickle, EOF, ...)
            self._heal(exc)
        return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # e.g. a damaged index: start the function's files anew
            self._heal(exc)
            with contextlib.suppress(Exception):  # else not cached this time; runs on
                super().save_overload(sig, data)

    def _heal(self, exc: Exception | None) -> None:
        where = Path(self._cache_path)
        base = self._impl.filename_base
        _remove(where, {base})
        if exc is not None:
            _warn(where, f"{base}: {type(exc).__name__}: {exc}")


def _function(name: str) -> str:
    """The function a cache file belongs to: ``f-12.py312.nbi``, ``f-12.py312.3.nbc``."""
    return name[:-4] if name.endswith(".nbi") else name.rsplit(".", 2)[0]


def _remove(cache_dir: Path, functions: set[str]) -> None:
    """Remove the index and data files of ``functions`` in ``cache_dir``."""
    for path in cache_dir.glob("*.nb[ic]"):
        if _function(path.name) in functions:
            with contextlib.suppress(OSError):
                path.unlink()


_warned = False


def _warn(where: Path, reason: str) -> None:
    """One line on stderr, once per process."""
    global _warned
    if not _warned:
        _warned = True
        reason = " ".join(reason.split())[:300]
        print(
            f"workforce-sim: warning: the compiled-code cache in {where} was damaged "
            f"({reason}); rebuilding it",
            file=sys.stderr,
            flush=True,
        )


# -- the check at import ------------------------------------------------------------------
def _probe() -> None:  # pragma: no cover (only its code object is used)
    """A function for asking Numba where a source file's functions are cached."""


def _cache_dir(source: Path) -> Path | None:
    """The directory where Numba caches the functions of ``source`` (as ``cache=True``)."""
    fn = types.FunctionType(_probe.__code__.replace(co_filename=str(source)), {})
    try:
        return Path(caching.FunctionCache(fn).cache_path)
    except RuntimeError:  # no locator: nowhere to cache
        return None


def _sweep_dir(cache_dir: Path) -> tuple[set[str], set[str]]:
    """Remove the files of functions with a stale or damaged file in ``cache_dir``;
    return the damaged functions and what was wrong with their files."""
    damaged: set[str] = set()
    stale: set[str] = set()
    reasons: set[str] = set()
    for path in sorted(cache_dir.glob("*.nb[ic]")):
        try:
            if path.suffix == ".nbi":
                _check_index(path)
            else:
                _payload(path.read_bytes())
        except FileNotFoundError:  # removed meanwhile by a process outside the lock
            continue
        except _Stale:  # and so are the function's other files: its index too
            stale.add(_function(path.name))
        except Exception as exc:
            damaged.add(_function(path.name))
            reasons.add(f"{path.name}: {type(exc).__name__}: {exc}")
    _remove(cache_dir, stale | damaged)
    return damaged, reasons


def _check_cache() -> None:
    """Remove stale and damaged files from the package's kernel cache (see the module's
    docstring); warn once if any was damaged."""
    one_per_folder = {p.parent: p for p in _SOURCES}.values()
    dirs = sorted({d for d in map(_cache_dir, one_per_folder) if d is not None})
    if not dirs:  # nowhere to cache: Numba will say so when compiling
        return
    with open(dirs[0] / _LOCK, "a") as lock:
        with contextlib.suppress(ImportError, OSError):
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(OSError):
            (dirs[0] / "kernels.sha256").unlink()  # the stamp of earlier versions
        for d in dirs:
            damaged, reasons = _sweep_dir(d)
            if damaged:
                _warn(d, f"{len(damaged)} kernel(s); {min(reasons)}")


try:
    _check_cache()
except OSError:  # e.g. a read-only cache: Numba then compiles without writing
    pass
