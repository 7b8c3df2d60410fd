"""Further ``workforce-sim`` subcommands, one module each.

Every module here defines ``register(subparsers)``, which adds its subparser and sets
``func`` (a callable taking the parsed arguments and returning the exit status) with
``parser.set_defaults(func=...)``. :func:`sim.cli.build_parser` discovers them, so a
new command needs no edit elsewhere. Raise :class:`sim.errors.UsageError` (or a
``ScenarioError``/``ParameterError``) for bad input: the CLI prints it as one line and
exits with status 2.
"""
