"""Pure functions over the model's arrays and result tables: continuity indices and
survival (:mod:`~sim.analysis.metrics`), summaries (:mod:`~sim.analysis.summary`) and
the findings in plain language (:mod:`~sim.analysis.findings`). Imports only
:mod:`sim.core`."""
