"""Crash-safe, streaming storage of sweep results: numbered chunk files per table.

A sweep directory holds one sub-directory per table (``runs/``, ``summary/``,
``timeseries/``) of chunk files ``part-000123.parquet`` (or ``.csv``), and ``pending/``,
which holds the finished runs not yet in a chunk, one small JSON file each.

* Every run is written to ``pending/run-<run_id>.json`` the moment it finishes, so a
  crash (even SIGKILL) loses only the runs in flight (pending files are not fsynced, so
  a power cut may lose what the operating system had not yet written).
* Every ``chunk_runs`` runs, the buffered runs are written as one part per table with
  the same number, and their pending files are deleted.
* Every file is first written to a hidden temporary name, flushed to disk (fsync of the
  file, then of its directory after the rename) and then renamed (``os.replace``): no
  file is ever seen half-written, and a part is on disk before anything counts it. The
  ``runs`` part is written last and commits the part: a part number without its ``runs``
  file (a flush cut short) is an orphan, removed by :meth:`ChunkStore.clean` and ignored
  when reading.
* Every part of a table has one schema (:func:`conform`): the same columns in the same
  order, each of one type (``int64``, ``float64``, ``bool`` or ``string``; a column with
  nothing in it, such as ``error`` when no run failed, keeps its type), so any tool reads
  a table's folder as one dataset.
* A run has one row: writing a run again (a failed run retried, pending runs absorbed
  after a crash) removes it from the older part (:meth:`ChunkStore.write`), and
  :meth:`ChunkStore.dedupe` removes what a crash left twice.
* :meth:`ChunkStore.set_aside_damaged` moves parts that cannot be read (e.g.
  zero-length after a crash, a CSV cut mid-row) or lack the summary row of a successful run to
  ``corrupt/``, out of every table's folder, so that their runs count as missing and
  run again.

Memory stays flat however long the sweep: only the current chunk's runs are held.
Parquet needs the ``parquet`` extra (pyarrow); without it CSV is used.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import UsageError

__all__ = [
    "FORMATS",
    "TABLES",
    "TYPES",
    "ChunkStore",
    "Columns",
    "arrow_schema",
    "atomic_write",
    "conform",
    "default_format",
    "read_table",
    "write_json",
    "write_table",
]

#: Tables in the order a flush writes them (``runs`` last: it commits the part).
TABLES: tuple[str, ...] = ("timeseries", "summary", "runs")
#: Storage formats, best first.
FORMATS: tuple[str, ...] = ("parquet", "csv")

#: Column types, and the Arrow type of each.
TYPES: dict[str, str] = {
    "int64": "int64",
    "float64": "float64",
    "bool": "bool_",
    "string": "string",
}
#: A table's columns in order: (name, type in :data:`TYPES`).
Columns = list[tuple[str, str]]
#: Where damaged parts are moved, away from every table's folder.
SET_ASIDE = "corrupt"

_PART = re.compile(r"part-(\d{6,})\.(parquet|csv)$")
_PENDING = re.compile(r"run-(\d+)\.json$")


def default_format() -> str:
    """``"parquet"`` when pyarrow is installed, else ``"csv"``."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "csv"
    return "parquet"


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a directory) to disk, where the system allows."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. a directory on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], Any], durable: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it to ``path``;
    ``durable``: flush the file to disk first, and the directory after the rename.

    The package's one way to replace a single file atomically (sweep parts and
    manifests, ``columns.csv``, the sensitivity outputs, ``docs/parameters.md``); a
    whole output folder is replaced with :func:`sim.experiments.outdir.atomic_dir`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        if durable:
            _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync(path.parent)
    return path


def write_json(path: Path, data: Any, durable: bool = True) -> Path:
    text = json.dumps(data, indent=2, default=str)
    return atomic_write(path, lambda t: t.write_text(text), durable)


def _text(x: Any) -> str | None:
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def conform(df: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """``df`` with exactly ``columns``, in their order and of their types (a missing
    column is all null); raises ValueError for a column not in ``columns``."""
    extra = [c for c in df.columns if c not in dict(columns)]
    if extra:
        raise ValueError(f"columns not in the table's schema: {', '.join(map(str, extra))}")
    n = len(df)
    out = {}
    for name, typ in columns:
        col = df[name].reset_index(drop=True) if name in df else pd.Series([None] * n, dtype=object)
        if typ == "string":
            col = pd.Series([_text(v) for v in col.tolist()], dtype=object)
        elif typ == "float64":
            col = pd.to_numeric(col, errors="coerce").astype("float64")
        else:  # int64, bool: never missing
            col = col.astype(typ)
        out[name] = col
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def arrow_schema(columns: Columns) -> Any:
    """The ``pyarrow.Schema`` of a table's columns."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, TYPES[typ])()) for name, typ in columns])


def write_table(df: pd.DataFrame, path: Path, fmt: str, columns: Columns | None = None) -> Path:
    """Write ``df`` atomically and durably as Parquet or CSV (with ``columns``: exactly
    those, in that order, of those types)."""
    if columns is not None:
        df = conform(df, columns)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        if columns is not None:
            table = pa.Table.from_pandas(
                df, schema=arrow_schema(columns), preserve_index=False
            ).replace_schema_metadata(None)
        else:
            table = pa.Table.from_pandas(df, preserve_index=False)
        return atomic_write(path, lambda t: pq.write_table(table, t), durable=True)
    return atomic_write(path, lambda t: df.to_csv(t, index=False), durable=True)


def _plain(x: Any) -> Any:
    """JSON for numpy scalars and arrays."""
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in JSON")


def read_table(
    path: Path, columns: list[str] | None = None, schema: Columns | None = None
) -> pd.DataFrame:
    """A Parquet or CSV file; with ``schema``, its columns get the types there."""
    if str(path).endswith(".parquet"):
        df = pd.read_parquet(path, columns=columns)
    else:
        df = pd.read_csv(path, usecols=columns)
    if schema is not None:
        df = conform(df, [(c, t) for c, t in schema if c in df])
    return df


def _ends_with_newline(path: Path) -> bool:
    """Whether a (CSV) file ends with a line end, as every complete one written here does."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


class ChunkStore:
    """The chunk files of one sweep directory.

    ``schema``: the columns of each table (see :func:`conform`), enforced on every
    write and applied when reading; None to read or write frames as they are.
    """

    def __init__(
        self, root: str | Path, fmt: str, schema: Mapping[str, Columns] | None = None
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        self.root = Path(root)
        self.fmt = fmt
        self.schema = dict(schema) if schema is not None else None
        parts = [n for t in TABLES for n in self.parts(t)]
        self._next = max(parts, default=-1) + 1
        self._where: dict[int, int] | None = None  # run_id -> part holding it (lazy)

    def _columns(self, table: str) -> Columns | None:
        return None if self.schema is None else self.schema.get(table)

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
                if (p.name.startswith(".") and ".tmp-" in p.name) or (
                    m and int(m.group(1)) not in ok
                ):
                    p.unlink(missing_ok=True)
                    gone.append(p)
        return gone

    # -- damaged parts -------------------------------------------------------------------
    def _check_part(self, n: int) -> set[int]:
        """Raise if part ``n`` cannot be read, or a successful run in it lacks its summary
        row; return the ids of rows in its other tables whose run it does not hold (a
        rewrite cut short, see :meth:`_drop`)."""
        files = {t: self._files(t).get(n) for t in TABLES}
        if self.fmt == "csv":  # a CSV cut mid-row still parses: its last line is partial
            for p in files.values():
                if p is not None and not _ends_with_newline(p):
                    raise ValueError(f"{p.parent.name}/{p.name} is cut short (no final line end)")
        runs = read_table(files["runs"])
        if runs.empty or not {"run_id", "status"} <= set(runs.columns):
            raise ValueError("no runs in it")
        if runs["run_id"].isna().any() or runs["status"].isna().any():
            raise ValueError("runs without an id or a status (cut short?)")
        ok = set(runs.loc[runs["status"] == "ok", "run_id"].tolist())
        summary = (
            set()
            if files["summary"] is None
            else set(read_table(files["summary"])["run_id"].tolist())
        )
        if not ok <= summary:
            raise ValueError("successful runs without their summary row")
        ts = (
            set()
            if files["timeseries"] is None
            else set(read_table(files["timeseries"])["run_id"].tolist())
        )
        return (summary | ts) - ok

    def set_aside_damaged(self) -> list[tuple[Path, str]]:
        """Move every part that cannot be read (zero-length, truncated, overwritten) or
        lacks summary rows of its successful runs to ``corrupt/<table>/<name>.corrupt``,
        out of the tables' folders, so its runs count as not run; return (where each
        file went, why). Rows a cut-short rewrite left behind are stripped, and parts
        written without the schema (by an earlier version) are rewritten with it."""
        moved: list[tuple[Path, str]] = []
        for n in sorted(self.committed()):
            try:
                strays = self._check_part(n)
            except Exception as exc:
                why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
                for t in ("runs", "summary", "timeseries"):  # runs first: uncommits it
                    p = self._files(t).get(n)
                    if p is not None:
                        moved.append((self._set_aside(t, p), why))
                continue
            if strays:
                self._strip(n, strays)
            self._conform_part(n)
        if moved:
            self._where = None
        return moved

    def _conform_part(self, n: int) -> None:
        """Rewrite the files of part ``n`` not written with the schema (by an earlier
        version) so that every part of a table has it."""
        for t in TABLES:
            p, columns = self._files(t).get(n), self._columns(t)
            if p is None or columns is None:
                continue
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                if pq.read_schema(p).equals(arrow_schema(columns)):
                    continue
            elif list(pd.read_csv(p, nrows=0).columns) == [c for c, _ in columns]:
                continue
            write_table(read_table(p), p, self.fmt, columns)

    def _set_aside(self, table: str, path: Path) -> Path:
        d = self.root / SET_ASIDE / table
        d.mkdir(parents=True, exist_ok=True)
        dest = d / f"{path.name}.corrupt"
        k = 1
        while dest.exists():
            dest = d / f"{path.name}.{k}.corrupt"
            k += 1
        os.replace(path, dest)
        _fsync(d)
        _fsync(path.parent)
        return dest

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
        """Move the pending runs into chunks of at most ``chunk_runs`` (e.g. on resume);
        a pending run is the latest record of its run, and replaces any in a chunk."""
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
    def write(self, frames: Mapping[str, pd.DataFrame | None]) -> int:
        """Write one part of every non-empty table in ``frames``; return its number.

        Runs in ``frames`` that an older part holds (a failed run retried, a pending run
        written again after a crash) are then removed from that part: every run has one
        row on disk."""
        where = self._index()
        n = self._next
        self._next += 1
        runs = frames["runs"]
        ids = set(runs["run_id"].tolist())
        for t in TABLES:
            df = frames.get(t)
            if t != "runs" and (df is None or df.empty):
                continue
            d = self.root / t
            d.mkdir(parents=True, exist_ok=True)
            write_table(df, d / f"part-{n:06d}.{self.fmt}", self.fmt, self._columns(t))
        older = {where[r] for r in ids if r in where}
        where.update(dict.fromkeys(ids, n))
        for p in sorted(older):
            self._drop(p, ids)
        return n

    def _index(self) -> dict[int, int]:
        """``run_id -> part`` (the latest part, if a crash left a run in two)."""
        if self._where is None:
            self._where = {}
            for n, df in self.iter_parts("runs", ["run_id"]):
                self._where.update(dict.fromkeys(df["run_id"].tolist(), n))
        return self._where

    def _drop(self, n: int, run_ids: set[int]) -> None:
        """Rewrite part ``n`` without ``run_ids`` (remove it if no run is left).

        The runs file goes first: a crash midway leaves rows in ``summary`` or
        ``timeseries`` whose run the part no longer holds, which readers ignore (the
        run's row in a later part wins) and the next resume strips."""
        files = {t: self._files(t).get(n) for t in TABLES}
        runs = read_table(files["runs"])
        keep = runs[~runs["run_id"].isin(run_ids)]
        if keep.empty:  # nothing left: uncommit the part, then remove the rest
            for t in ("runs", "summary", "timeseries"):
                if files[t] is not None:
                    files[t].unlink(missing_ok=True)
            _fsync(self.root / "runs")
            return
        if len(keep) < len(runs):
            write_table(keep, files["runs"], self.fmt, self._columns("runs"))
        self._strip(n, run_ids)

    def _strip(self, n: int, run_ids: set[int]) -> None:
        """Rewrite the ``summary`` and ``timeseries`` files of part ``n`` without
        ``run_ids``."""
        for t in ("summary", "timeseries"):
            p = self._files(t).get(n)
            if p is None:
                continue
            df = read_table(p)
            kept = df[~df["run_id"].isin(run_ids)]
            if len(kept) == len(df):
                continue
            if kept.empty:
                p.unlink(missing_ok=True)
            else:
                write_table(kept, p, self.fmt, self._columns(t))

    def dedupe(self) -> int:
        """Remove the older rows of runs found in two parts (a crash between writing a
        part and removing what it replaced); return how many rows went."""
        seen: dict[int, int] = {}
        older: dict[int, set[int]] = {}
        for n, df in self.iter_parts("runs", ["run_id"]):
            for r in df["run_id"].tolist():
                if r in seen:
                    older.setdefault(seen[r], set()).add(r)
                seen[r] = n
        for p, ids in sorted(older.items()):
            self._drop(p, ids)
        self._where = seen
        return sum(map(len, older.values()))

    # -- reading -------------------------------------------------------------------------
    def iter_parts(
        self, table: str, columns: list[str] | None = None
    ) -> Iterable[tuple[int, pd.DataFrame]]:
        ok = self.committed()
        schema = self._columns(table)
        for n, p in self._files(table).items():
            if n in ok:
                try:
                    df = read_table(p, columns, schema)
                except Exception as exc:
                    raise UsageError(
                        f"{p} is damaged ({type(exc).__name__}: {exc}); resuming the sweep "
                        "(workforce-sim sweep SPEC --out DIR --resume) sets it aside and "
                        "runs its runs again"
                    ) from None
                yield n, df

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
            df = self.frames(pending)[table]
            if df is not None and not df.empty and self._columns(table) is not None:
                df = conform(df, self._columns(table))
            frames.append(df)
        frames = [f for f in frames if f is not None and not f.empty]
        if not frames:
            return None
        df = pd.concat(frames, ignore_index=True)
        keys = ["run_id", "week"] if table == "timeseries" else ["run_id"]
        return df.drop_duplicates(keys, keep="last").sort_values(keys, ignore_index=True)
