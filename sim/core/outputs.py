"""The measures the model reports: column names, labels, units, ranges, directions.

Every weekly model reporter of :class:`sim.WorkforceModel` is declared here once, and
nothing else lists them: the observation kernel (:func:`sim.core.observe.measure`) writes
each measure into its slot of a buffer (:data:`SLOT`, generated from this table), and
the DataCollector, the summary table, the findings, the charts and the range checks in
the tests all read this table by name. Adding a measure means adding its
:class:`Metric` here and its computation in :func:`sim.core.observe.measure`.

``final`` says how a run's final-year value is formed from its weekly series:
``"last"`` for measures that already cover a rolling 52-week window (their value in the
last week *is* the final year), ``"mean"`` for weekly stocks (averaged over the last
52 weeks), ``"sum"`` for weekly flows (summed over the last 52 weeks).

``better`` says which way is the better outcome: ``"higher"``, ``"lower"`` or ``None``
(neither: chart titles then name the regime with the highest value).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["METRICS", "SLOT", "SUMMARY_METRICS", "Metric", "indices"]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    low: float
    high: float | None
    final: str
    better: str | None
    description: str


def indices(names: Iterable[str], typename: str = "Indices") -> Any:
    """Named positions: ``indices(("a", "b"))`` is a named tuple with ``.a == 0`` and
    ``.b == 1`` (``len()`` is the number of names, ``._fields`` the names).

    Compiled code reads such a tuple, when it is a module-level global, as constants
    frozen at compilation (``out[SLOT.coc]``), so a buffer or a block of random numbers
    is laid out by name from one declaration instead of by position in several places.
    """
    names = tuple(names)
    return namedtuple(typename, names)(*range(len(names)))


_M = [
    # staffing
    Metric(
        "headcount",
        "Headcount",
        "workers",
        0,
        None,
        "mean",
        "higher",
        "Workers employed (on the floor or in pre-service training), float pool included.",
    ),
    Metric(
        "on_floor",
        "On the floor",
        "workers",
        0,
        None,
        "mean",
        "higher",
        "Workers past pre-service training.",
    ),
    Metric(
        "in_training",
        "In pre-service training",
        "workers",
        0,
        None,
        "mean",
        None,
        "New hires still in pre-service training (paid, no caseload).",
    ),
    Metric(
        "vacancies",
        "Vacancies",
        "posts",
        0,
        None,
        "mean",
        "lower",
        "Budgeted posts with nobody employed in them.",
    ),
    Metric(
        "vacancy_rate",
        "Vacancy rate",
        "share of posts",
        0,
        1,
        "mean",
        "lower",
        "Vacant posts / budgeted posts (NCI definition).",
    ),
    Metric("hires", "Hires", "workers/week", 0, None, "sum", None, "New hires this week."),
    # turnover
    Metric(
        "separations",
        "Separations",
        "workers/week",
        0,
        None,
        "sum",
        "lower",
        "Workers who left this week (quits + dismissals).",
    ),
    Metric(
        "quits", "Quits", "workers/week", 0, None, "sum", "lower", "Voluntary leavers this week."
    ),
    Metric(
        "dismissals",
        "Dismissals",
        "workers/week",
        0,
        None,
        "sum",
        "lower",
        "Workers dismissed this week after an incident.",
    ),
    Metric(
        "turnover_rate",
        "Turnover rate",
        "per year",
        0,
        None,
        "last",
        "lower",
        "Leavers in the last 52 weeks / current headcount (NCI turnover ratio).",
    ),
    Metric(
        "leavers_under_3m",
        "Leavers under 3 months",
        "share of leavers",
        0,
        1,
        "last",
        "lower",
        "Share of the last 52 weeks' leavers with under 13 weeks' tenure.",
    ),
    Metric(
        "leavers_under_6m",
        "Leavers under 6 months",
        "share of leavers",
        0,
        1,
        "last",
        "lower",
        "Share of the last 52 weeks' leavers with under 26 weeks' tenure.",
    ),
    Metric(
        "leavers_under_12m",
        "Leavers under 12 months",
        "share of leavers",
        0,
        1,
        "last",
        "lower",
        "Share of the last 52 weeks' leavers with under 52 weeks' tenure.",
    ),
    Metric(
        "mean_tenure",
        "Mean tenure",
        "weeks",
        0,
        None,
        "mean",
        "higher",
        "Average tenure of current workers.",
    ),
    # burnout
    Metric(
        "burnout_mean",
        "Mean exhaustion",
        "0-1",
        0,
        1,
        "mean",
        "lower",
        "Average exhaustion of workers on the floor.",
    ),
    Metric(
        "burnout_high_share",
        "High burnout",
        "share of workers",
        0,
        1,
        "mean",
        "lower",
        "Share of on-floor workers with exhaustion at or above the high-burnout threshold.",
    ),
    # competence
    Metric(
        "competence_mean",
        "Mean competence",
        "0-1",
        0,
        1,
        "mean",
        "higher",
        "Average competence over domains of workers on the floor.",
    ),
    Metric(
        "gap_awareness_mean",
        "Mean gap awareness",
        "0-1",
        0,
        1,
        "mean",
        "higher",
        "Average chance of recognising a gap, workers on the floor.",
    ),
    Metric(
        "unseen_gap_share",
        "Unrecognised share of skill gaps",
        "share",
        0,
        1,
        "mean",
        "lower",
        "Of the skill gap met in this week's care by workers on the floor, the share in "
        "domains where the worker has not recognised their gap.",
    ),
    Metric(
        "gaps_found_by_incident",
        "Gaps revealed by incidents",
        "per week",
        0,
        None,
        "sum",
        "lower",
        "Unrecognised skill gaps that an incident revealed this week (learned the hard way).",
    ),
    Metric(
        "module_hours",
        "Module hours",
        "hours/week",
        0,
        None,
        "sum",
        None,
        "Hours spent on on-demand modules this week.",
    ),
    # continuity (per client over the visits of the last 52 or 26 weeks, averaged)
    Metric(
        "coc",
        "Continuity of care (COC)",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Bice-Boxerman continuity index over the visits of the last 52 weeks, mean over "
        "clients with 2+ visits.",
    ),
    Metric(
        "upc",
        "Usual provider continuity (UPC)",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Share of the last 52 weeks' visits made by the client's most frequent worker, "
        "mean over clients.",
    ),
    Metric(
        "secon",
        "Sequential continuity (SECON)",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Share of consecutive visits (last 52 weeks) made by the same worker, mean over clients.",
    ),
    Metric(
        "distinct_workers",
        "Distinct workers per client-year",
        "workers",
        0,
        None,
        "last",
        "lower",
        "Different workers who made a client's visits in the last 52 weeks, mean over "
        "clients in care all that year.",
    ),
    Metric(
        "coc_6m",
        "Continuity of care, 6 months",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Bice-Boxerman index over the visits of the last 26 weeks, mean over clients in "
        "care all 26 weeks (Reckrey et al.'s 6-month windows).",
    ),
    Metric(
        "upc_6m",
        "Usual provider continuity, 6 months",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Share of the last 26 weeks' visits made by the most frequent worker, mean over "
        "clients in care all 26 weeks.",
    ),
    Metric(
        "secon_6m",
        "Sequential continuity, 6 months",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "Share of consecutive visits of the last 26 weeks made by the same worker, mean "
        "over clients in care all 26 weeks.",
    ),
    Metric(
        "distinct_workers_6m",
        "Distinct workers per client, 6 months",
        "workers",
        0,
        None,
        "last",
        "lower",
        "Different workers who made a client's visits in the last 26 weeks, mean over "
        "clients in care all 26 weeks.",
    ),
    Metric(
        "coc_6m_few_hours",
        "COC, 6 months: under 3 hours a day",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "coc_6m over clients whose usual need is under 21 hours a week (Reckrey et al.'s "
        "group of under 3 hours a day); 0 when there is no such client.",
    ),
    Metric(
        "coc_6m_moderate_hours",
        "COC, 6 months: 3-7 hours a day",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "coc_6m over clients whose usual need is 21-49 hours a week (3-7 hours a day); 0 "
        "when there is no such client.",
    ),
    Metric(
        "coc_6m_many_hours",
        "COC, 6 months: over 7 hours a day",
        "0-1",
        0,
        1,
        "last",
        "higher",
        "coc_6m over clients whose usual need is over 49 hours a week (over 7 hours a "
        "day); 0 when there is no such client.",
    ),
    Metric(
        "primary_visit_share",
        "Visits by the primary worker",
        "share of visits",
        0,
        1,
        "mean",
        "higher",
        "Share of this week's scheduled visits made by the client's primary worker.",
    ),
    Metric(
        "missed_visit_share",
        "Missed visits",
        "share of visits",
        0,
        1,
        "mean",
        "lower",
        "Share of this week's scheduled visits that nobody made.",
    ),
    Metric(
        "cover_hours",
        "Cover hours",
        "hours/week",
        0,
        None,
        "sum",
        None,
        "Hours of visits made this week by float staff, colleagues in overtime or temp "
        "agency staff: cover for absent or off-duty team members and for clients above "
        "the caseload norm.",
    ),
    Metric(
        "no_primary_share",
        "Clients without a primary worker",
        "share of clients",
        0,
        1,
        "mean",
        "lower",
        "Share of clients with no primary worker this week: no worker has room within the "
        "caseload norm (contract_hours, max_caseload).",
    ),
    Metric(
        "same_primary_share",
        "Same primary worker all year",
        "share of clients",
        0,
        1,
        "last",
        "higher",
        "Share of clients in care 52+ weeks who kept one primary worker all year.",
    ),
    # care
    Metric(
        "care_quality_mean",
        "Care quality",
        "0-1",
        0,
        1,
        "mean",
        "higher",
        "Average quality of the care given this week (client-weeks with care).",
    ),
    Metric(
        "unmet_need_share",
        "Unmet need",
        "share of clients",
        0,
        1,
        "mean",
        "lower",
        "Share of clients none of whose visits was made this week.",
    ),
    Metric(
        "care_hours_delivered",
        "Care hours delivered",
        "hours/week",
        0,
        None,
        "sum",
        "higher",
        "Hours of care given this week by anyone (staff, float, overtime, agency).",
    ),
    Metric(
        "unmet_hours",
        "Unmet need hours",
        "hours/week",
        0,
        None,
        "sum",
        "lower",
        "Hours of this week's missed visits.",
    ),
    Metric("incidents", "Incidents", "per week", 0, None, "sum", "lower", "Incidents this week."),
    Metric(
        "client_wellbeing_mean",
        "Client wellbeing",
        "0-1",
        0,
        1,
        "mean",
        "higher",
        "Average client wellbeing.",
    ),
    # cost (USD)
    Metric(
        "cost_wages",
        "Wages",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Contracted pay of everyone employed, float pool included (benefits apart).",
    ),
    Metric(
        "cost_benefits",
        "Benefits",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Benefits of everyone employed (benefits_rate x contracted pay).",
    ),
    Metric(
        "cost_overtime",
        "Overtime",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Pay for every hour a worker gives above contract_hours (own caseload or cover) "
        "at wage x overtime_premium.",
    ),
    Metric(
        "cost_cover",
        "Agency cover",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Temp agency hours bought to cover visits, at agency_rate.",
    ),
    Metric(
        "cost_agency_premium",
        "Agency premium",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Of the agency cover cost, what it costs above the same hours of the agency's own "
        "staff (agency_rate - wage * (1 + benefits_rate) per hour); part of cost_cover, "
        "not added again to the total.",
    ),
    Metric(
        "cost_recruiting",
        "Recruiting",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Recruiting and separation costs.",
    ),
    Metric(
        "cost_training",
        "Training",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Trainer cost of pre-service, refresher and mentoring hours (wages are in Wages).",
    ),
    Metric(
        "cost_modules",
        "Modules",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Licence cost of on-demand modules.",
    ),
    Metric(
        "cost_onboarding",
        "Onboarding",
        "USD/week",
        0,
        None,
        "sum",
        "lower",
        "Bringing new hires to competence (lost productivity, supervisor time): "
        "onboarding_cost spread over each hire's first onboarding_weeks on the floor.",
    ),
    Metric("cost_total", "Total cost", "USD/week", 0, None, "sum", "lower", "All costs this week."),
    Metric(
        "cost_per_client_year",
        "Cost per client-year",
        "USD",
        0,
        None,
        "last",
        "lower",
        "Cost over the last 52 weeks / client census.",
    ),
    Metric(
        "cost_per_care_hour",
        "Cost per care hour",
        "USD/hour",
        0,
        None,
        "last",
        "lower",
        "Cost over the last 52 weeks / hours of care delivered over the last 52 weeks.",
    ),
]

METRICS: dict[str, Metric] = {m.name: m for m in _M}
del _M

#: Each measure's slot in the observation buffer, in the order of :data:`METRICS`
#: (``SLOT.coc``; ``len(SLOT)`` slots): :func:`sim.core.observe.measure` writes by these.
SLOT = indices(METRICS, "MetricSlot")

#: The measures in the compare/run summary table, in display order.
SUMMARY_METRICS: tuple[str, ...] = (
    "turnover_rate",
    "leavers_under_6m",
    "leavers_under_12m",
    "vacancy_rate",
    "burnout_high_share",
    "coc",
    "upc",
    "distinct_workers",
    "client_wellbeing_mean",
    "cost_per_client_year",
)
