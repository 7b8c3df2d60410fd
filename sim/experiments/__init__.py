"""Running the model: scenario files and sweep specs, replications and their seeds,
process pools, the sweep store, output folders, sensitivity analysis, calibration and
validation (numbers only: the files and charts are :mod:`sim.report`'s). Imports only
:mod:`sim.core` and :mod:`sim.analysis`."""
