"""Output folders: write only where it is safe, replace atomically, clean up after crashes.

Every command with ``--out`` goes through this module, so that the program never deletes
what it did not write:

* :func:`check_out` (``run``, ``compare``, ``validate``, ``calibrate``) is called before
  any simulation runs. It refuses, as a :class:`~sim.core.errors.UsageError` (exit status 2),
  an ``--out`` that exists but is not a directory, a non-empty directory that is not a
  previous output of this program (one is recognised by its ``manifest.json`` naming
  ``"tool": "workforce-sim"``, or, for ``validate`` and ``calibrate`` folders written
  before those had a manifest, by holding exactly their files), the current directory
  or one of its parents, a mount point, and a place where nothing can be written (under
  a regular file, in a read-only directory, in ``/proc``...: it creates and removes a
  temporary directory there to make sure), and a name or path too long for the file
  system once the temporary sibling's suffix or the output's files are added. An
  existing *empty* directory is accepted: the new output takes its place. A previous
  output that holds anything the program did not write there (:func:`foreign`: not in
  its manifest's ``"files"``, which :func:`atomic_dir` records) is refused too. A symbolic
  link is followed: the output is written at its target and the link stays. ``""`` is
  refused by :func:`out_path`, the ``argparse`` type of every ``--out`` (it would
  otherwise mean the current directory).
* :func:`check_sweep_out` (``sweep``, ``sensitivity``: folders written into run by run
  and resumable) refuses a non-empty folder that is not a sweep of this program, and an
  unwritable one.
* :func:`atomic_dir` writes a new output into a hidden temporary sibling
  ``.NAME.PID.XXXXXXXX.tmp`` (permissions from the umask, like any new folder), then puts
  it in place in one step: ``rename`` when ``NAME`` does not exist (or is an empty
  folder), else, on Linux, ``renameat2(RENAME_EXCHANGE)``, which swaps the two folders
  atomically, after which the old output (now under the temporary name) is deleted. At
  every moment ``NAME`` holds either the complete old or the complete new output. Where
  the exchange is not available (another OS, an old C library, a file system without
  it) the old output is first renamed to ``.NAME.old-PID-XXXXXXXX``, then the new one
  renamed in; if the process dies between the two renames, the next run puts the old
  output back before anything else.
* :func:`clean_leftovers` (called by :func:`atomic_dir`) removes the temporary and old
  folders of ``NAME`` left by runs that were killed: only hidden siblings named as
  above, only directories, and only when the process whose id is in the name is gone and
  nobody holds the lock (``flock``) that a running writer keeps on its temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.core.errors import UsageError

__all__ = [
    "MANIFEST",
    "TOOL",
    "atomic_dir",
    "check_out",
    "check_sweep_out",
    "clean_leftovers",
    "foreign",
    "is_ours",
    "out_path",
    "read_manifest",
]

#: The manifest file of every output folder, and the tool name it records.
MANIFEST = "manifest.json"
TOOL = "workforce-sim"


# -- argument parsing ----------------------------------------------------------------------
def out_path(text: str) -> Path:
    """``argparse`` type of ``--out``: a non-empty path (``""`` would mean ``.``)."""
    import argparse

    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a folder, got {text!r}")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"must not contain a NUL character, got {text!r}")
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "~user/..." of an unknown user
        raise argparse.ArgumentTypeError(
            f"{text[:80]!r}: the home folder of {text[1:].split('/')[0][:40]!r} is unknown; "
            "allowed: a folder path (~/NAME for your own home folder)"
        ) from None


# -- what is ours ------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an output folder (None if it has no readable one)."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


#: The exact file sets that ``validate`` and ``calibrate`` wrote before they wrote a
#: manifest (version 0.1.0): such a folder, with nothing else in it, is ours too.
_LEGACY = (
    {"validation.csv", "validation.md", "runs.csv"},  # + validation.png|svg|pdf
    {"history.csv", "fit.csv", "best.toml", "calibration.json", "adopt.txt"},
)


def _legacy(folder: Path) -> bool:
    try:
        entries = {p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink()}
        names = set(os.listdir(folder))
    except OSError:
        return False
    if entries != names:
        return False
    charts = {n for n in names if n in ("validation.png", "validation.svg", "validation.pdf")}
    return names == _LEGACY[1] or (len(charts) == 1 and names == _LEGACY[0] | charts)


def is_ours(folder: Path, kind: str | None = None) -> bool:
    """Whether ``folder`` is an output of this program (of ``kind``, e.g. ``"sweep"``).

    It is when its ``manifest.json`` names the tool; or, for ``validate`` and
    ``calibrate`` outputs written before they had a manifest, when it holds exactly the
    files those commands wrote and nothing else.
    """
    man = read_manifest(folder)
    if man is None or man.get("tool") != TOOL:
        return kind is None and _legacy(Path(folder))
    return kind is None or man.get("kind") == kind


#: What outputs written before their manifest listed their files may hold: the file
#: names run/compare, validate and calibrate write (charts in any of the formats).
_KNOWN_FILES = re.compile(
    r"^(?:report\.(?:html|md)|manifest\.json|columns\.csv|timeseries\.csv|runs\.csv|"
    r"survival\.csv|summary\.csv|validation\.(?:csv|md)|history\.csv|fit\.csv|best\.toml|"
    r"calibration\.json|adopt\.txt|[a-z_]+\.(?:png|svg|pdf))$"
)


#: Files a desktop puts in any folder it shows (nobody's work): not counted as foreign.
_DESKTOP_JUNK = re.compile(r"^(?:\.DS_Store|Thumbs\.db|desktop\.ini|\._.+)$")


def _tree(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, as relative paths (links not followed)."""
    out = []
    for dirpath, dirs, files in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        out += [str(rel / n) if str(rel) != "." else n for n in (*dirs, *files)]
    return out


def foreign(folder: Path) -> list[str]:
    """What a previous output of ours holds that this program did not write there (a
    user's notes, say): replacing the output would delete it, so it is refused.

    The manifest lists the files written (``"files"``); for an output whose manifest has
    no list (written before it had one) the names this program writes are allowed.
    """
    folder = Path(folder)
    man = read_manifest(folder)
    listed = man.get("files") if man else None
    found = [
        f
        for f in _tree(folder)
        if not (_DESKTOP_JUNK.match(Path(f).name) and (folder / f).is_file())
    ]
    if isinstance(listed, list) and all(isinstance(f, str) for f in listed):
        allowed = {MANIFEST, *listed}
        allowed |= {str(p) for f in listed for p in Path(f).parents if str(p) != "."}
        return sorted(f for f in found if f not in allowed)
    return sorted(
        f
        for f in found
        if not (_KNOWN_FILES.match(f) and (folder / f).is_file() and not (folder / f).is_symlink())
    )


def _list_files(tmp: Path) -> None:
    """Record in the new output's manifest the files it holds (see :func:`foreign`)."""
    man = read_manifest(tmp)
    if man is None or man.get("tool") != TOOL:
        return
    man["files"] = sorted(f for f in _tree(tmp) if (tmp / f).is_file() and f != MANIFEST)
    (tmp / MANIFEST).write_text(json.dumps(man, indent=2), encoding="utf-8")


def _refuse_foreign(target: Path, shown: Path, flag: str, when: str = "") -> None:
    extra = foreign(target)
    if extra:
        names = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        raise UsageError(
            f"{flag} {shown} is an output of workforce-sim, but {when}it holds files the "
            f"program did not write ({names}), which replacing it would delete; nothing was "
            f"changed. Move them elsewhere, or name another folder, e.g. {flag} "
            f"{shown.parent / (shown.name + '-2')}"
        )


def _entries(folder: Path, ignore: tuple[str, ...] = ()) -> list[str]:
    return [n for n in os.listdir(folder) if n not in ignore]


# -- checks ----------------------------------------------------------------------------------
def _resolve(path: Path, flag: str) -> Path:
    """``path`` made absolute, symbolic links followed (also a dangling one's target)."""
    try:
        return Path(os.path.realpath(Path(path).expanduser()))
    except (OSError, ValueError, RuntimeError) as exc:
        raise UsageError(f"{flag} {str(path)[:200]!r} is not a usable path ({exc})") from None


#: Characters a replaced output adds to its folder's name (``.NAME.PID.XXXXXXXX.tmp``,
#: ``.NAME.old-PID-XXXXXXXX``), and a path inside an output may add to the folder's
#: path (``summary/part-000000.parquet``, ``cost_continuity.png``...).
_SIBLING_EXTRA, _INSIDE_EXTRA = 24, 64


def _clip(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 80 else f"{text[:60]}...({len(text):,} characters)"


def _fits(target: Path, shown: Path, flag: str, sibling: bool) -> None:
    """Refuse a path the file system cannot hold once the output's files are added."""
    anc = _existing_ancestor(target)
    try:
        name_max = os.pathconf(anc, "PC_NAME_MAX")
        path_max = os.pathconf(anc, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        name_max, path_max = 255, 4096
    extra = _SIBLING_EXTRA if sibling else 0
    for part in target.parts[1:]:
        size = len(os.fsencode(part)) + (extra if part == target.name else 0)
        if size > name_max:
            raise UsageError(
                f"{flag} {_clip(shown)}: a folder name of {len(part):,} characters is "
                f"too long for this file system; allowed: names of at most "
                f"{name_max - extra} bytes"
                + (f" (the output folder's name: a temporary copy adds {extra})" if extra else "")
            )
    if len(os.fsencode(target)) + _INSIDE_EXTRA > path_max:
        raise UsageError(
            f"{flag} {_clip(shown)}: a path of {len(str(target)):,} "
            f"characters is too long for this file system; allowed: at most "
            f"{path_max - _INSIDE_EXTRA} bytes (the files inside add up to "
            f"{_INSIDE_EXTRA})"
        )


def _existing_ancestor(path: Path) -> Path:
    p = path
    while not os.path.lexists(p) and p.parent != p:
        p = p.parent
    return p


def _probe(folder: Path, shown: Path, flag: str) -> None:
    """Make sure a directory can be created (and removed) in ``folder``."""
    if not folder.is_dir():
        raise UsageError(
            f"{flag} {shown}: cannot write there ({folder} is a file, not a "
            "folder); choose a folder you can write to"
        )
    probe = folder / f".workforce-sim-probe.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise UsageError(
            f"{flag} {shown}: cannot write there (creating a folder in "
            f"{folder} fails: {exc.strerror or exc}); choose a folder you can "
            "write to"
        ) from None


def _not_cwd(target: Path, shown: Path, flag: str) -> None:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return
    if cwd == target or target in cwd.parents:
        raise UsageError(
            f"{flag} {shown} is the current directory or contains it; the "
            "output folder is replaced as a whole, so name a new folder, e.g. "
            f"{flag} results"
        )


def check_out(path: Path | str, flag: str = "--out") -> Path:
    """Check that ``path`` may receive a new output (see the module docstring).

    Returns the path to write (absolute, symbolic links followed); raises
    :class:`~sim.core.errors.UsageError` with a message naming ``flag`` otherwise.
    Nothing is created or changed (the probe directory is removed at once).
    """
    if str(path) == "":
        raise UsageError(f"{flag} must name a folder, got ''")
    shown = Path(path)
    target = _resolve(shown, flag)
    if target.parent == target:
        raise UsageError(f"{flag} {shown} is the root of the file system; name a folder")
    _fits(target, shown, flag, sibling=True)
    _not_cwd(target, shown, flag)
    if os.path.lexists(target):
        if not target.is_dir():
            raise UsageError(f"{flag} {shown} exists and is not a directory; nothing was changed")
        if os.path.ismount(target):
            raise UsageError(
                f"{flag} {shown} is a mount point; name a folder inside it, "
                f"e.g. {flag} {shown / 'results'}"
            )
        try:
            entries = _entries(target)
        except OSError as exc:
            raise UsageError(f"{flag} {shown}: cannot read it ({exc.strerror or exc})") from None
        if entries and not is_ours(target):
            raise UsageError(
                f"{flag} {shown} already exists and is not an output of workforce-sim (no "
                f"{MANIFEST} written by it), so it will not be replaced; nothing was "
                f"changed. Name a new or empty folder, e.g. {flag} {shown / 'results'}"
            )
        if entries and is_ours(target, kind="sweep"):
            raise UsageError(
                f"{flag} {shown} is a sweep of workforce-sim (its runs are kept there and "
                "resumed with `sweep --resume`), so it will not be replaced by another "
                f"command's output; nothing was changed. Name another folder, e.g. {flag} "
                f"{shown.parent / (shown.name + '-2')}"
            )
        if entries:
            _refuse_foreign(target, shown, flag)
        _probe(target.parent, shown, flag)
    else:
        _probe(_existing_ancestor(target.parent), shown, flag)
    return target


def check_sweep_out(path: Path | str, flag: str = "--out") -> Path:
    """Check that a sweep may write into ``path`` (new, empty or a sweep of ours).

    Returns the path (symbolic links followed); raises :class:`~sim.core.errors.UsageError`.
    Whether a sweep there is resumed or refused is decided by the caller.
    """
    if str(path) == "":
        raise UsageError(f"{flag} must name a folder, got ''")
    shown = Path(path)
    target = _resolve(shown, flag)
    _fits(target, shown, flag, sibling=False)
    if os.path.lexists(target):
        if not target.is_dir():
            raise UsageError(f"{flag} {shown} exists and is not a directory")
        try:
            entries = _entries(target, ignore=(".lock",))
        except OSError as exc:
            raise UsageError(f"{flag} {shown}: cannot read it ({exc.strerror or exc})") from None
        if entries and not is_ours(target, kind="sweep"):
            what = (
                "an output of another workforce-sim command"
                if is_ours(target)
                else "not a sweep of workforce-sim (no sweep manifest.json)"
            )
            raise UsageError(
                f"{flag} {shown} is not empty and is {what}; name a new or empty folder"
            )
        _probe(target, shown, flag)
    else:
        _probe(_existing_ancestor(target.parent), shown, flag)
    return target


# -- leftovers ---------------------------------------------------------------------------
def _leftover_patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The exact names :func:`atomic_dir` gives (``secrets.token_hex(4)``: 8 hex digits),
    so that a user's ``.NAME.2024.backup.tmp`` is never taken for one; ``.NAME.old-PID``
    without the digits (an old version's) only counts when it holds an output of ours."""
    n = re.escape(name)
    return (
        re.compile(rf"^\.{n}\.(?P<pid>\d+)\.[0-9a-f]{{8}}\.tmp$"),
        re.compile(rf"^\.{n}\.old-(?P<pid>\d+)(?P<token>-[0-9a-f]{{8}})?$"),
    )


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # pragma: no cover - cannot tell safely: keep it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: exists, someone else's
        return True
    return True


def _lock(folder: Path) -> int | None:
    """Hold an exclusive ``flock`` on ``folder`` (released when the process dies).

    Returns the file descriptor, or None where locks are not available.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def _stale(folder: Path, pid: int) -> bool:
    """Whether a leftover is abandoned: its process is gone and nobody holds its lock."""
    if _pid_alive(pid):
        return False
    try:
        fd = _lock(folder)
    except OSError:
        return False
    _unlock(fd)
    return True


def clean_leftovers(out: Path) -> list[Path]:
    """Remove the temporary and old siblings of ``out`` left by killed runs.

    If ``out`` itself is missing and an old output of a killed run is there (the
    fallback replacement died between its two renames), that output is put back as
    ``out`` instead. Returns the paths removed or restored.
    """
    out = Path(out)
    parent = out.parent
    tmp_re, old_re = _leftover_patterns(out.name)
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    done: list[Path] = []
    olds: list[tuple[float, Path]] = []
    for n in names:
        m = tmp_re.match(n) or old_re.match(n)
        if m is None:
            continue
        p = parent / n
        if p.is_symlink() or not p.is_dir() or not _stale(p, int(m["pid"])):
            continue
        if m.re is old_re:
            if m["token"] is None and not is_ours(p):
                continue  # e.g. a user's own ".results.old-2024"
            with contextlib.suppress(OSError):
                olds.append((p.stat().st_mtime, p))
            continue
        shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    olds.sort()
    if olds and not os.path.lexists(out) and is_ours(olds[-1][1]):
        with contextlib.suppress(OSError):
            os.rename(olds[-1][1], out)
            done.append(olds.pop()[1])
    for _, p in olds:
        shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    return done


# -- atomic replacement ----------------------------------------------------------------------
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2  # glibc >= 2.28
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap the two paths in one atomic step; False if this system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    import ctypes

    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _step(name: str) -> None:
    """A point between two steps of a replacement (tests make the process die here)."""


def _fsync_tree(root: Path) -> None:
    """Flush the files of a new output to disk before it is put in place."""
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _install(tmp: Path, target: Path, flag: str) -> None:
    """Put the finished ``tmp`` in place of ``target`` (see the module docstring)."""
    _list_files(tmp)
    _fsync_tree(tmp)
    _step("written")
    replace = os.path.lexists(target)
    if replace:
        # check again: the folder may have changed while the simulation ran
        if not target.is_dir() or target.is_symlink():
            raise UsageError(
                f"{flag} {target} changed while the run was going on and is "
                "no longer a directory; nothing was replaced"
            )
        replace = bool(_entries(target))
        if replace and not is_ours(target):
            raise UsageError(
                f"{flag} {target} is no longer an output of workforce-sim "
                "(files were put there while the run was going on); nothing "
                "was replaced"
            )
        if replace:
            _refuse_foreign(target, target, flag, "while the run was going on ")
    if not replace:
        if os.name != "posix" and os.path.lexists(target):  # pragma: no cover - Windows
            os.rmdir(target)
        os.rename(tmp, target)  # atomic; on POSIX it also replaces an empty directory
        _step("renamed")
    elif exchange(tmp, target):
        _step("exchanged")
        shutil.rmtree(tmp, ignore_errors=True)  # the old output, now under tmp's name
    else:
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        os.rename(target, old)
        _step("moved-old")
        try:
            os.rename(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(old, target)
            raise
        _step("renamed")
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


@contextmanager
def atomic_dir(out: Path | str, flag: str = "--out") -> Iterator[Path]:
    """Write a new output into a temporary sibling of ``out``, then put it in place.

    ``out`` is checked with :func:`check_out` (a folder that is not ours is refused,
    a symbolic link is followed). The body writes into the yielded temporary directory;
    when it finishes the directory replaces ``out`` atomically (see the module
    docstring); when it raises, the temporary directory is removed and ``out`` is left
    as it was.
    """
    target = check_out(out, flag)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    tmp.mkdir()  # permissions from the umask, like any new folder (not mkdtemp's 0700)
    fd = None
    try:
        fd = _lock(tmp)
        yield tmp
        _install(tmp, target, flag)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _unlock(fd)
