"""Charts in the house style, the reports, the output files of every command and the
parameter documentation. Imports :mod:`sim.core`, :mod:`sim.analysis` and
:mod:`sim.experiments`, never :mod:`sim.app` or :mod:`sim.cli`."""
