"""The compiled-code cache heals itself: stale or damaged files never fail a run.

The tests that run the model do so in subprocesses on a copy of the package (and its
warm cache) in a temporary folder, so the package's own cache is never touched and the
tests can run beside others. They recompile only the few kernels whose files they
damage (seconds each), never the whole model; only when the package's own cache is
cold does the first copy compile everything once (1-2 minutes).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest

import sim
from sim.core import jit

SIM = Path(sim.__file__).resolve().parent
RUN = (
    "import sim; m = sim.WorkforceModel(rng=0, warmup_weeks=1, n_workers=20, "
    "n_clients=60)\nfor _ in range(3): m.step()"
)
WARNING = "workforce-sim: warning: the compiled-code cache"


def start(root: Path, cache_dir: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("NUMBA_CACHE_DIR", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return subprocess.Popen(
        [sys.executable, "-c", RUN],
        env=env,
        cwd=root,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run(root: Path, cache_dir: Path | None = None) -> tuple[int, str]:
    proc = start(root, cache_dir)
    _, err = proc.communicate()
    return proc.returncode, err


def warnings_in(err: str) -> list[str]:
    return [line for line in err.splitlines() if "warning" in line.lower()]


def copy_package(dest: Path, cache: bool = True) -> Path:
    skip = ["*.tmp.*", "kernels.*"] + ([] if cache else ["__pycache__"])
    shutil.copytree(SIM, dest / "sim", ignore=shutil.ignore_patterns(*skip))
    return dest


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A copy of the package with a complete, healthy cache."""
    root = copy_package(tmp_path_factory.mktemp("pristine"))
    code, err = run(root)  # compiles what the package's own cache lacks
    assert code == 0, err
    assert WARNING not in err, err
    return root


def one(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


# the ways a file gets damaged
def truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def zero_fill(p: Path) -> None:
    p.write_bytes(bytes(p.stat().st_size))


def random_bytes(p: Path) -> None:
    data = bytearray(random.Random(1).randbytes(p.stat().st_size))
    data[0] = 0x42  # (random bytes starting like a pickle would be taken for stale)
    p.write_bytes(bytes(data))


def scribble_inside(p: Path) -> None:
    """Random bytes over the middle of the file, its size and header kept."""
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = random.Random(2).randbytes(64)
    p.write_bytes(bytes(data))


@pytest.mark.slow
def test_damaged_files_are_rebuilt_with_one_warning_even_by_two_processes_at_once(
    pristine, tmp_path
):
    root = tmp_path
    shutil.copytree(pristine / "sim", root / "sim")
    core = root / "sim" / "core"
    top, phases = core / "__pycache__", core / "phases" / "__pycache__"
    week = one(phases, "__init__.week-*.1.nbc")
    damaged = {
        week: truncate,
        one(top, "observe.measure-*.nbi"): zero_fill,
        one(phases, "hiring.hire-*.1.nbc"): random_bytes,
        one(top, "draws.take-*.1.nbc"): scribble_inside,
    }
    for path, damage in damaged.items():
        damage(path)
    bad = {p: p.read_bytes() for p in damaged}

    procs = [start(root), start(root)]  # a pool's workers, finding the damage together
    results = [(p.wait(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for code, err in results:
        assert code == 0, err
        assert "Traceback" not in err, err
    lines = [w for _, err in results for w in warnings_in(err)]
    assert len(lines) == 1, lines
    assert lines[0].startswith(WARNING) and "rebuilding" in lines[0]

    code, err = run(root)  # healthy again: no warning
    assert code == 0 and warnings_in(err) == [], err
    assert week.read_bytes() != bad[week] and week.read_bytes().startswith(jit._MAGIC)
    assert not [p for p in damaged if p.exists() and p.read_bytes() == bad[p]]


@pytest.mark.slow
def test_damage_under_numba_cache_dir_is_rebuilt_too(pristine, tmp_path):
    root = copy_package(tmp_path / "pkg", cache=False)
    cache = tmp_path / "numba-cache"
    where = subprocess.run(  # where Numba caches the copy's kernels there
        [
            sys.executable,
            "-c",
            "import sim.core.jit as j\n"
            "for f in ('jit.py', 'phases/care.py'): print(j._cache_dir(j._PACKAGE / f))",
        ],
        env={**os.environ, "PYTHONPATH": str(root), "NUMBA_CACHE_DIR": str(cache)},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    top, phases = map(Path, where)
    assert top.is_relative_to(cache) and phases.is_relative_to(cache) and top != phases
    for src, dest in (
        (pristine / "sim" / "core" / "__pycache__", top),
        (pristine / "sim" / "core" / "phases" / "__pycache__", phases),
    ):
        for f in src.glob("*.nb[ic]"):
            shutil.copy2(f, dest)
    zero_fill(one(phases, "hiring.hire-*.1.nbc"))
    truncate(one(top, "observe.measure-*.nbi"))

    code, err = run(root, cache)
    assert code == 0, err
    lines = warnings_in(err)
    assert len(lines) == 1 and lines[0].startswith(WARNING) and str(cache) in lines[0], err
    code, err = run(root, cache)
    assert code == 0 and warnings_in(err) == [], err
    assert not list((root / "sim").rglob("*.nb[ic]"))  # the cache lives under the dir


@pytest.mark.slow
def test_a_healthy_cache_stays_when_a_module_of_kernel_types_is_imported_first(pristine, tmp_path):
    """The check at import reads every index, whose signatures name types defined by the
    package (the state arrays, the continuity ledger's). When the first module to import
    the kernels is one of those (or imports one, as the continuity indices do), it is
    half-imported while the check runs: its index files are healthy all the same."""
    shutil.copytree(pristine / "sim", tmp_path / "sim")
    files = {p: p.read_bytes() for p in (tmp_path / "sim").rglob("*.nb[ic]")}
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    for first in ("sim.core.state", "sim.core.continuity", "sim.analysis.metrics"):
        out = subprocess.run(
            [sys.executable, "-c", f"import {first}"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0 and warnings_in(out.stderr) == [], out.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "sim").rglob("*.nb[ic]")} == files


# -- the checks themselves, in this process ------------------------------------------------
def data_file(payload: bytes, digest: bytes = jit._DIGEST) -> bytes:
    return jit._MAGIC + digest + hashlib.sha256(payload).digest() + payload


def test_a_data_file_is_checked_for_damage_and_for_its_sources():
    payload = pickle.dumps(("compiled", 1))
    assert jit._payload(data_file(payload)) == payload
    with pytest.raises(jit._Stale):  # compiled from other sources
        jit._payload(data_file(payload, hashlib.sha256(b"other").digest()))
    with pytest.raises(jit._Stale):  # a plain Numba pickle (before these headers)
        jit._payload(payload)
    good = data_file(payload)
    for bad in (
        b"",
        bytes(len(good)),
        good[: len(good) // 2],
        good[:20],
        b"\x42" * 200,
        good[:-3] + b"xyz",
    ):
        with pytest.raises(jit._Damaged):
            jit._payload(bad)


def test_stale_files_go_silently_and_damaged_ones_with_their_kernel(tmp_path):
    index = pickle.dumps(numba.__version__) + pickle.dumps(("stamp", {}))
    files = {
        "a.f-1.py312.nbi": index,
        "a.f-1.py312.1.nbc": data_file(b"x"),
        "a.g-9.py312.nbi": index,
        "a.g-9.py312.1.nbc": data_file(b"y", b"\0" * 32),
        "b.h-5.py312.nbi": bytes(50),
        "b.h-5.py312.1.nbc": data_file(b"z"),
        "b.h-5.py312.2.nbc": data_file(b"w"),
    }
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    damaged, reasons = jit._sweep_dir(tmp_path)
    assert damaged == {"b.h-5.py312"} and len(reasons) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.f-1.py312.1.nbc", "a.f-1.py312.nbi"]


def test_the_sources_digest_follows_kernels_and_the_constants_they_read(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("@kernel\ndef f(): pass\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    (pkg / "state.py").write_text("Z = 3\n")
    monkeypatch.setattr(jit, "_PACKAGE", pkg)

    def digest() -> bytes:
        return jit._sources_digest(jit._kernel_sources())

    first = digest()
    assert digest() == first
    (pkg / "sub" / "b.py").write_text("y = 3\n")  # no kernel depends on it
    assert digest() == first
    (pkg / "a.py").write_text("@kernel\ndef f(): return 1\n")  # a kernel changed
    second = digest()
    assert second != first
    (pkg / "state.py").write_text("Z = 4\n")  # a constant kernels read changed
    assert digest() != second
