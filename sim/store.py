"""Crash-safe, streaming storage of sweep results: numbered chunk files per table.

A sweep directory holds one sub-directory per table (``runs/``, ``summary/``,
``timeseries/``) of chunk files ``part-000123.parquet`` (or ``.csv``), and ``pending/``,
which holds the finished runs not yet in a chunk, one small JSON file each.

* Every run is written to ``pending/run-<run_id>.json`` the moment it finishes, so a
  crash (even SIGKILL) loses only the runs in flight (files are not fsynced, so a
  power cut may lose what the operating system had not yet written).
* Every ``chunk_runs`` runs, the buffered runs are written as one part per table with
  the same number, and their pending files are deleted.
* Every file is first written to a hidden temporary name and then renamed
  (``os.replace``): no file is ever seen half-written. The ``runs`` part is written last
  and commits the part: a part number without its ``runs`` file (a flush cut short) is
  an orphan, removed by :meth:`ChunkStore.clean` and ignored when reading. A run found
  twice (a crash between writing a chunk and deleting its pending files) is read once.

Memory stays flat however long the sweep: only the current chunk's runs are held.
Parquet needs the ``parquet`` extra (pyarrow); without it CSV is used.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "FORMATS",
    "TABLES",
    "ChunkStore",
    "atomic_write",
    "default_format",
    "read_table",
    "write_json",
    "write_table",
]

#: Tables in the order a flush writes them (``runs`` last: it commits the part).
TABLES: tuple[str, ...] = ("timeseries", "summary", "runs")
#: Storage formats, best first.
FORMATS: tuple[str, ...] = ("parquet", "csv")

_PART = re.compile(r"part-(\d{6,})\.(parquet|csv)$")
_PENDING = re.compile(r"run-(\d+)\.json$")


def default_format() -> str:
    """``"parquet"`` when pyarrow is installed, else ``"csv"``."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "csv"
    return "parquet"


def atomic_write(path: Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it to ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data: Any) -> Path:
    return atomic_write(path, lambda t: t.write_text(json.dumps(data, indent=2, default=str)))


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write ``df`` atomically as Parquet or CSV."""
    if fmt == "parquet":
        return atomic_write(path, lambda t: df.to_parquet(t, index=False))
    return atomic_write(path, lambda t: df.to_csv(t, index=False))


def _plain(x: Any) -> Any:
    """JSON for numpy scalars and arrays."""
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in JSON")


def read_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if str(path).endswith(".parquet"):
        return pd.read_parquet(path, columns=columns)
    return pd.read_csv(path, usecols=columns)


class ChunkStore:
    """The chunk files of one sweep directory."""

    def __init__(self, root: str | Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        self.root = Path(root)
        self.fmt = fmt
        parts = [n for t in TABLES for n in self.parts(t)]
        self._next = max(parts, default=-1) + 1

    # -- discovery -----------------------------------------------------------------------
    @staticmethod
    def detect_format(root: str | Path) -> str | None:
        """The format of the parts already in ``root`` (None if there are none)."""
        for t in TABLES:
            d = Path(root) / t
            if d.is_dir():
                for p in d.iterdir():
                    m = _PART.match(p.name)
                    if m:
                        return m.group(2)
        return None

    def _files(self, table: str) -> dict[int, Path]:
        d = self.root / table
        if not d.is_dir():
            return {}
        out = {}
        for p in d.iterdir():
            m = _PART.match(p.name)
            if m and m.group(2) == self.fmt:
                out[int(m.group(1))] = p
        return dict(sorted(out.items()))

    def parts(self, table: str) -> list[int]:
        """Numbers of the parts of ``table`` on disk, in order."""
        return list(self._files(table))

    def committed(self) -> set[int]:
        """Part numbers whose ``runs`` file exists."""
        return set(self.parts("runs"))

    def clean(self) -> list[Path]:
        """Remove temporary files and orphan parts left by a crash; return what went."""
        gone = []
        ok = self.committed()
        for t in (*TABLES, "pending"):
            d = self.root / t
            if not d.is_dir():
                continue
            for p in d.iterdir():
                m = _PART.match(p.name)
                if (p.name.startswith(".") and ".tmp-" in p.name) or (m and int(m.group(1))
                                                                       not in ok):
                    p.unlink(missing_ok=True)
                    gone.append(p)
        return gone

    # -- pending runs (one JSON file per finished run) -----------------------------------
    def add_pending(self, run_id: int, record: dict[str, Any]) -> Path:
        """Write one finished run (``{"runs": row, "summary": row | None,
        "timeseries": {column: values} | None}``) at once, atomically."""
        d = self.root / "pending"
        d.mkdir(parents=True, exist_ok=True)
        text = json.dumps(record, default=_plain, allow_nan=True)
        return atomic_write(d / f"run-{run_id:09d}.json", lambda t: t.write_text(text))

    def pending(self) -> Iterable[tuple[int, dict[str, Any]]]:
        """(run_id, record) of every pending run, in run_id order."""
        d = self.root / "pending"
        if not d.is_dir():
            return
        files = sorted((int(m.group(1)), p) for p in d.iterdir() if (m := _PENDING.match(p.name)))
        for run_id, p in files:
            try:
                yield run_id, json.loads(p.read_text())
            except (OSError, ValueError):  # vanished (compacted meanwhile) or unreadable
                continue

    def remove_pending(self, run_ids: Iterable[int]) -> None:
        for r in run_ids:
            (self.root / "pending" / f"run-{r:09d}.json").unlink(missing_ok=True)

    @staticmethod
    def frames(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame | None]:
        """Tables of a list of run records (see :meth:`add_pending`)."""
        ts = [pd.DataFrame(r["timeseries"]) for r in records if r.get("timeseries")]
        return {
            "runs": pd.DataFrame([r["runs"] for r in records]),
            "summary": pd.DataFrame([r["summary"] for r in records if r.get("summary")]),
            "timeseries": pd.concat(ts, ignore_index=True) if ts else None,
        }

    def absorb_pending(self, chunk_runs: int) -> int:
        """Move the pending runs into chunks of at most ``chunk_runs`` (e.g. on resume)."""
        batch: list[tuple[int, dict[str, Any]]] = []
        n = 0
        for item in self.pending():
            batch.append(item)
            if len(batch) >= chunk_runs:
                n += self._absorb(batch)
                batch = []
        if batch:
            n += self._absorb(batch)
        return n

    def _absorb(self, batch: list[tuple[int, dict[str, Any]]]) -> int:
        self.write(self.frames([rec for _, rec in batch]))
        self.remove_pending(r for r, _ in batch)
        return len(batch)

    # -- writing -------------------------------------------------------------------------
    def write(self, frames: dict[str, pd.DataFrame]) -> int:
        """Write one part of every non-empty table in ``frames``; return its number."""
        n = self._next
        self._next += 1
        for t in TABLES:
            df = frames.get(t)
            if t != "runs" and (df is None or df.empty):
                continue
            d = self.root / t
            d.mkdir(parents=True, exist_ok=True)
            write_table(df, d / f"part-{n:06d}.{self.fmt}", self.fmt)
        return n

    # -- reading -------------------------------------------------------------------------
    def iter_parts(self, table: str, columns: list[str] | None = None
                   ) -> Iterable[tuple[int, pd.DataFrame]]:
        ok = self.committed()
        for n, p in self._files(table).items():
            if n in ok:
                yield n, read_table(p, columns)

    def completed(self) -> dict[int, str]:
        """``run_id -> status`` of every recorded run (the latest record wins)."""
        out: dict[int, str] = {}
        for _, df in self.iter_parts("runs", ["run_id", "status"]):
            out.update(zip(df["run_id"].tolist(), df["status"].tolist(), strict=True))
        for run_id, rec in self.pending():
            out[run_id] = rec["runs"]["status"]
        return out

    def read(self, table: str) -> pd.DataFrame | None:
        """The whole table (committed parts and pending runs, latest record per run)."""
        frames = [df for _, df in self.iter_parts(table)]
        pending = [rec for _, rec in self.pending()]
        if pending:
            frames.append(self.frames(pending)[table])
        frames = [f for f in frames if f is not None and not f.empty]
        if not frames:
            return None
        df = pd.concat(frames, ignore_index=True)
        keys = ["run_id", "week"] if table == "timeseries" else ["run_id"]
        return df.drop_duplicates(keys, keep="last").sort_values(keys, ignore_index=True)
