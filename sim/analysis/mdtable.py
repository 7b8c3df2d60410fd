"""Markdown tables: the one writer every Markdown table of the package goes through.

The compare/run report (``report.md``), the validation report (``validation.md``), the
sensitivity report (``sensitivity.md``), the parameter page (``docs/parameters.md``) and
``workforce-sim params --format markdown`` all call :func:`markdown_table`, so a cell is
escaped the same way everywhere (:func:`md_cell`):

* HTML is escaped (``<``, ``>``, ``&``): Markdown renderers pass raw HTML through, so a
  label such as ``<script>`` from a scenario file would otherwise run in a browser;
* ``\\`` and ``|`` are escaped, so a cell never ends early;
* line breaks become spaces (a table row is one line).

:func:`md_text` is the same for running text outside tables (HTML escaped, one line).

This module imports only the standard library.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

__all__ = ["markdown_table", "md_cell", "md_text"]


def md_text(value: object) -> str:
    """Text made safe in Markdown: HTML escaped (quotes left alone) and on one line."""
    return html.escape(" ".join(str(value).splitlines()), quote=False)


def md_cell(value: object) -> str:
    """A table cell: :func:`md_text`, trimmed, with ``\\`` and ``|`` escaped as well
    (``None`` is an empty cell)."""
    text = "" if value is None else md_text(value).strip()
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown_table(
    header: Sequence[object], rows: Iterable[Sequence[object]], pad: bool = True
) -> str:
    """A GitHub-flavoured Markdown pipe table, ending in a line break.

    Every header and body cell is escaped with :func:`md_cell`. ``pad``: columns padded
    to a common width (at least 3) so the Markdown source reads as a table too, with a
    ``| --- |`` rule; without it cells are not padded and the rule is ``|---|``, for
    tables with long text cells (descriptions).
    """
    head = [md_cell(c) for c in header]
    body = [[md_cell(c) for c in row] for row in rows]
    if not pad:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(out) + "\n"
    widths = [max([len(h), 3] + [len(r[i]) for r in body]) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(head), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in body]
    return "\n".join(out) + "\n"
