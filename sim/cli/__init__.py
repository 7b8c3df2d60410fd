"""Command line: ``workforce-sim compare | run | params | ...`` (also ``python -m sim``).

The entry point (:func:`main`, the ``workforce-sim`` console script). The commands live
one per module in this package (:mod:`~sim.cli.run`: ``compare`` and ``run``;
:mod:`~sim.cli.params`, :mod:`~sim.cli.sweep`, ...) and are discovered at start-up
(:func:`commands`); the options they share are in :mod:`sim.cli.options`. Every command
module defines ``register(subparsers)``, which adds its subparser and sets ``func`` (a
callable taking the parsed arguments and returning the exit status) with
``parser.set_defaults(func=...)``, so a new command needs no edit elsewhere. Bad input
(an unknown parameter, a malformed scenario, a missing file) raises
:class:`sim.core.errors.UsageError` (or a ``ScenarioError``/``ParameterError``) and is
reported as one clear line on standard error with exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from sim import __version__
from sim.core.errors import USER_ERRORS

EXIT_USAGE = 2

#: The commands listed first in ``--help`` (modules of this package, in this order); the
#: others follow in alphabetical order.
FIRST: tuple[str, ...] = ("run", "params")

#: Modules of this package that are not commands.
NOT_COMMANDS: frozenset[str] = frozenset({"options"})


def commands() -> list[str]:
    """The command modules of this package, in ``--help`` order."""
    names = {m.name for m in pkgutil.iter_modules(__path__)} - NOT_COMMANDS
    return [*(n for n in FIRST if n in names), *sorted(names - set(FIRST))]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workforce-sim",
        description="Simulate workforce turnover in human services under training regimes.",
    )
    parser.add_argument("--version", action="version", version=f"workforce-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in commands():
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from sim.experiments.processes import handle_signals, interrupt_status, interruption

    with handle_signals():  # SIGTERM is handled like Ctrl-C
        try:
            return int(args.func(args))
        except USER_ERRORS as exc:
            print(f"workforce-sim: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print(f"workforce-sim: {interruption()}; nothing was written", file=sys.stderr)
            return interrupt_status()  # 130 for Ctrl-C, 143 for SIGTERM


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["build_parser", "commands", "main"]
