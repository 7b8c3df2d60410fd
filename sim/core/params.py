"""The parameter registry: the single source of truth for every model parameter.

Each :class:`Param` carries its name, default, unit, allowed range, a one-line
description written for a policy reader, its source or rationale, and its group.
Validation (:func:`validate`), scenario files (:mod:`sim.experiments.scenario`), the CLI
(``workforce-sim params``), the model's keyword signature and the parameter docs are
all derived from :data:`PARAMS`; nothing else repeats these values.

The training regimes ``jit``, ``foundation`` and ``hybrid`` are *named presets* over
the parameters in the ``training`` group (:data:`REGIMES`). A scenario may define its
own regime the same way.

The *settings* ``dsp`` (disability support, the registry defaults) and ``home_care`` are
named presets over the other parameters (:data:`SETTINGS`): the kind of service an
agency provides. Parameters resolve as registry defaults, then the setting preset, then
the regime preset, then explicit overrides (:func:`resolve`).

The free parameters that no data give directly are set by calibration against public
evidence (``workforce-sim calibrate``; targets in ``sim/data/targets.toml``). The
adopted values, with the date and the exact command that produced them, are recorded
in :data:`CALIBRATION`; the registry defaults of the ``calibrated=True`` parameters and
the calibrated values of the ``home_care`` preset are read from it.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.core.errors import ParameterError, show

__all__ = [
    "CALIBRATION",
    "PARAMS",
    "REGIMES",
    "REGIME_PARAMS",
    "SETTINGS",
    "SETTING_ASSUMPTIONS",
    "SETTING_LABELS",
    "Param",
    "ParameterError",
    "as_python",
    "as_record",
    "check_setting",
    "defaults",
    "format_value",
    "resolve",
    "suggest",
    "validate",
    "validate_value",
]


@dataclass(frozen=True)
class Param:
    """One model parameter.

    ``kind`` is ``"int"``, ``"float"`` or ``"bool"``. ``low``/``high`` bound the
    allowed range (inclusive); they are ignored for ``bool``.
    """

    name: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    description: str
    source: str
    group: str
    kind: str = "float"
    calibrated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: A short human label (for dashboard controls, chart axes and reports); from
    #: :data:`LABELS`, else the name with spaces.
    label: str = ""

    @property
    def range_text(self) -> str:
        if self.kind == "bool":
            return "true or false"
        return f"{_fmt(self.low)} to {_fmt(self.high)}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:g}"


#: Short human labels (a projector's slider, a chart's axis); a parameter not listed is
#: labelled by its name with spaces.
LABELS: dict[str, str] = {
    "n_workers": "Posts",
    "n_clients": "Clients",
    "float_pool": "Float pool",
    "time_to_fill": "Time to fill a post",
    "outside_options": "Outside job offers",
    "wage": "Wage",
    "benefits_rate": "Benefits",
    "preservice_hours": "Pre-service training",
    "mentoring_hours": "Mentoring",
    "refresher_hours": "Refresher training",
    "modules_available": "On-demand modules",
    "module_coverage": "Module coverage",
    "module_wait_weeks": "Wait for a module",
    "learner_motivation": "Learner motivation",
    "self_assessment": "Self-assessment",
    "mentor_detection": "Mentor spots gaps",
    "inservice_weeks": "In-service length",
    "inservice_training_hours": "In-service training",
    "inservice_supervision_hours": "In-service supervision",
    "inservice_modules": "Modules for all staff",
    "shock_start": "Shock starts in week",
    "shock_weeks": "Shock length",
    "shock_demand": "Need in the shock",
    "shock_absence": "Absent in the shock",
    "shock_hiring": "Time to fill in shock",
    "shock_outside_options": "Quitting in the shock",
    "client_hours": "Care hours per client",
    "contract_hours": "Contract hours",
    "max_caseload": "Caseload limit",
    "absence_rate": "Absence",
    "agency_rate": "Agency staff rate",
    "overtime_premium": "Overtime premium",
}

_P: list[Param] = []


def _p(name, default, unit, low, high, description, source, group, kind="float", calibrated=False):
    label = LABELS.get(name) or name.replace("_", " ").capitalize()
    _P.append(
        Param(
            name,
            default,
            unit,
            low,
            high,
            description,
            source,
            group,
            kind,
            calibrated,
            label=label,
        )
    )


ASSUMPTION = "Modelling assumption; explored in sensitivity analysis (docs/ODD.md)."

#: The adopted calibrations, one record per setting, written by ``workforce-sim
#: calibrate --setting S`` (which prints the record to paste here). ``values`` are the
#: parameters the search fitted for that setting (for ``dsp`` they *are* the registry
#: defaults below; for ``home_care`` they are part of the preset in :data:`SETTINGS`);
#: ``context`` holds the other calibrated parameters' values the search ran with (a
#: setting calibrated on top of ``dsp`` must be re-run when ``dsp`` changes); ``score``
#: is the adopted candidate's score (targets in sim/data/targets.toml; see docs/ODD.md,
#: "Calibration and validation"). ``adjusted``, when present, names values changed by
#: hand after the search, with the value the search had adopted, and a comment why.
CALIBRATION: dict[str, dict[str, Any]] = {
    "dsp": {
        "date": "2026-12-02",
        "command": "workforce-sim calibrate --setting dsp --budget 320 --seed 2026",
        "seed": 2026,
        "budget": 320,
        "replications": 32,
        "horizon_weeks": 156,
        "score": 0.001925,
        "search_score": 0.04106,
        "values": {
            "base_quit_hazard": 0.00278,
            "reality_shock": 19.0,
            "reality_shock_weeks": 8.79,
            "burnout_gain": 0.0486,
            "time_to_fill": 9.2,
        },
        # changed by hand after the search, which adopted 8.29: its vacancy rate, 6.8 %
        # in its 96 final runs, fell just below the 7 % target (every other target was
        # met), as in the search of 2026-12-01; 9.2 is the value adopted then
        # (docs/ODD.md 9.3). ``score`` is the search's, for the value it adopted;
        # ``search_score`` is for the adjusted values, on the search's replicate seeds.
        "adjusted": {"time_to_fill": 8.29},
        "context": {
            "outside_options": 1.0,
            "absence_rate": 0.03,
        },
    },
    "home_care": {
        "date": "2026-12-02",
        "command": "workforce-sim calibrate --setting home_care --budget 320 --seed 2026",
        "seed": 2026,
        "budget": 320,
        "replications": 32,
        "horizon_weeks": 156,
        "score": 0.03113,
        "search_score": 0.0036,
        # The search's values left 2 of the 5 targets outside in validation (leavers
        # under 3 months 43.8 %, COC over 7 h/day 0.325). Adopted instead: member 8 of
        # a first home-care ensemble (`workforce-sim ensemble --setting home_care --seed
        # 2026 --points 100 --waves 3 --replications 4 --final-replications 32 --near 0.3`,
        # 2026-12-02, run while the search's values below were adopted, so centred on
        # them; 9 members), the member whose smallest margin inside the five targets is
        # largest; its other parameters are in SETTING_ASSUMPTIONS["home_care"].
        # ``adjusted`` holds the search's values. The installed ensemble
        # (sim/data/ensemble/home_care.json) was made afterwards around these values.
        "adjusted": {
            "outside_options": 1.51,
            "reality_shock": 23.0,
            "reality_shock_weeks": 9.38,
            "absence_rate": 0.133,
        },
        "values": {
            "outside_options": 1.45,
            "reality_shock": 26.7,
            "reality_shock_weeks": 11.9,
            "absence_rate": 0.117,
        },
        "context": {
            "burnout_gain": 0.0486,
            "base_quit_hazard": 0.00278,
            "time_to_fill": 6.0,
        },
    },
}

_DSP = CALIBRATION["dsp"]["values"]
CAL = (
    "Free parameter, calibrated so that the jit status quo (setting dsp) meets the NCI "
    "turnover, leaver-tenure and vacancy targets and the exhaustion target "
    f"({CALIBRATION['dsp']['date']}: `{CALIBRATION['dsp']['command']}`; see CALIBRATION "
    "and docs/ODD.md section 9)."
)

# --- agency -----------------------------------------------------------------------------
_p(
    "n_workers",
    100,
    "posts",
    5,
    100_000,
    "Budgeted front-line posts in the agency (its size).",
    "Typical small-to-mid DSP provider.",
    "agency",
    "int",
)
_p(
    "n_clients",
    300,
    "clients",
    5,
    500_000,
    "People supported by the agency at any time (census kept steady).",
    "About three people per front-line post, common in US DSP services.",
    "agency",
    "int",
)
_p(
    "max_caseload",
    5,
    "clients/worker",
    1,
    50,
    "Most people one worker can be primary worker for.",
    "Agency policy; assumption.",
    "agency",
    "int",
)
_p(
    "contract_hours",
    37.5,
    "hours/week",
    10,
    60,
    "Paid hours in a full-time worker's week.",
    "Full-time week.",
    "agency",
)
_p(
    "client_hours",
    10.0,
    "hours/week",
    1,
    120,
    "Average weekly hours of direct support one person needs.",
    "Assumption; sets the typical workload (caseload 3 ~ 80 % of a week).",
    "agency",
)
_p(
    "float_pool",
    0,
    "posts",
    0,
    10_000,
    "Trained cover staff kept on payroll to cover vacancies and absences "
    "(the 'warehousing' alternative to just-in-time staffing).",
    "Policy lever; 0 = none (status quo).",
    "agency",
    "int",
)
_p(
    "float_training_hours",
    120.0,
    "hours",
    0,
    480,
    "Pre-service training of a float-pool hire (float staff are trained cover staff).",
    "Assumption: the foundation length.",
    "agency",
)
_p(
    "float_capacity",
    2,
    "visits/day",
    1,
    20,
    "Visits (or shifts) one float worker can cover in a day they work.",
    "Assumption: two visits or shifts a day.",
    "agency",
    "int",
)
_p(
    "visit_hours_min",
    2.0,
    "hours",
    0.25,
    24,
    "Shortest visit: a client's weekly hours are spread over as many days (at most 7) as "
    "give visits at least this long.",
    "Quinn et al. 2016: agency home care aides averaged 13.4 visits and 25.8 hours a week "
    "(about 1.9 hours a visit).",
    "agency",
)
_p(
    "shift_hours_max",
    8.0,
    "hours",
    1,
    24,
    "Longest shift one worker gives one client in a day; a day that needs more is split "
    "into two shifts by different workers.",
    "Assumption: an eight-hour shift.",
    "agency",
)
_p(
    "work_days",
    5,
    "days/week",
    1,
    7,
    "Days a week a worker works; each worker has the other days off, always the same days.",
    "Assumption: a five-day full-time week.",
    "agency",
    "int",
)
_p(
    "team_backups",
    1,
    "workers",
    0,
    2,
    "Backup workers in each client's team beyond those the schedule needs (one per five "
    "visit days and per second daily shift): the regular fill-in on the primary's days "
    "off and absences.",
    "Assumption: agencies keep a named fill-in (consistent assignment, Castle 2013).",
    "agency",
    "int",
)

# --- clients ----------------------------------------------------------------------------
_p(
    "acuity_sd",
    0.35,
    "log-sd",
    0,
    1.5,
    "Spread of need intensity between clients (log-normal, mean 1).",
    "Assumption.",
    "clients",
)
_p(
    "hours_sd",
    0.0,
    "log-sd",
    0,
    1.5,
    "Spread of clients' weekly hours beyond their need intensity (log-normal, mean 1): "
    "hours are client_hours * acuity * this factor.",
    "Assumption for dsp (hours follow acuity). Home care: Reckrey et al. 2022's cohort "
    "(32 % under 3 hours a day, 26 % over 7) needs a log-sd of hours of about 0.76.",
    "clients",
)
_p(
    "crisis_rate",
    0.01,
    "per client-week",
    0,
    0.5,
    "Weekly chance that a client enters a crisis (temporarily higher need).",
    "Assumption.",
    "clients",
)
_p("crisis_weeks", 4, "weeks", 1, 52, "How long a crisis lasts.", "Assumption.", "clients", "int")
_p(
    "crisis_multiplier",
    1.8,
    "x need",
    1,
    5,
    "How much a crisis multiplies a client's need.",
    "Assumption.",
    "clients",
)
_p(
    "discharge_rate",
    0.004,
    "per client-week",
    0,
    0.2,
    "Weekly chance that a client leaves services; each is replaced by a new admission.",
    "Assumption: average stay about 5 years in long-term DSP services.",
    "clients",
)
_p(
    "wellbeing_rate",
    0.1,
    "per week",
    0.001,
    1,
    "How fast client wellbeing moves toward the quality of care received.",
    "Assumption.",
    "clients",
)
_p(
    "change_penalty",
    0.15,
    "wellbeing",
    0,
    1,
    "Drop in wellbeing each time a client's primary worker changes.",
    "Assumption grounded in continuity-of-care literature.",
    "clients",
)
_p(
    "unmet_penalty",
    0.3,
    "wellbeing",
    0,
    1,
    "Drop in the wellbeing target in a week with no care.",
    "Assumption.",
    "clients",
)
_p(
    "escalation_gain",
    0.25,
    "x need",
    0,
    2,
    "Extra need added when a client's care breaks down (change of worker, week without care).",
    "Assumption (the revolving-door feedback).",
    "clients",
)
_p(
    "escalation_decay",
    0.05,
    "per week",
    0,
    1,
    "Weekly share of escalated need that settles (escalation is capped at 3x need).",
    "Assumption.",
    "clients",
)
_p(
    "incident_penalty",
    0.1,
    "wellbeing",
    0,
    1,
    "Drop in wellbeing when a client is involved in an incident.",
    "Assumption.",
    "clients",
)
_p(
    "relationship_weeks",
    12.0,
    "weeks",
    0.5,
    104,
    "Time for a new worker-client relationship to reach most of its quality.",
    "Assumption.",
    "clients",
)

# --- training (regime presets set these) -----------------------------------------------
_p(
    "preservice_hours",
    16.0,
    "hours",
    0,
    480,
    "Training before the first shift (paid, off the floor).",
    "2 days common; 75 h US federal home-health minimum; 120 h Illinois DSP.",
    "training",
)
_p(
    "training_hours_per_week",
    30.0,
    "hours/week",
    1,
    60,
    "Pre-service hours done per week; whole weeks of it keep a hire off the floor.",
    "Assumption: 120 h over 4 weeks.",
    "learning",
)
_p(
    "modules_available",
    True,
    "",
    None,
    None,
    "On-demand learning modules exist for workers who recognise a gap.",
    "Regime definition (docs/ODD.md §1.1).",
    "training",
    "bool",
)
_p(
    "module_coverage",
    0.7,
    "share",
    0,
    1,
    "Share of the gaps a worker recognises for which the on-demand catalogue has a module.",
    "No published figure found (docs/ODD.md §9.5); assumption: 70 % of recognised gaps have a "
    "module; in the sensitivity analysis.",
    "training",
)
_p(
    "module_wait_weeks",
    1.0,
    "weeks",
    0,
    26,
    "Average time to reach a module once a gap is recognised (0 = at once). A gap not "
    "reached this week waits until it is met and recognised again.",
    "No published figure found (docs/ODD.md §9.5); assumption: a week on average; in the "
    "sensitivity analysis.",
    "training",
)
_p(
    "learner_motivation",
    0.2,
    "probability",
    0,
    1,
    "Chance that a worker who recognises a gap, and has a module for it, takes the module.",
    "Jordan 2015 (IRRODL 16(3)): median MOOC completion 12.6 %; a case study of voluntary online "
    "workplace training: 21 % completed, lack of time the main cause. 0.2 adopted; in the "
    "sensitivity analysis.",
    "training",
)
_p(
    "self_assessment",
    0.35,
    "probability",
    0,
    1,
    "Chance that a new hire notices a skill gap by themself when meeting it (the "
    "essay's 'knowing what you don't know'; 1 = every worker knows).",
    "Davis et al. 2006 (JAMA 296:1094): 7 of 20 comparisons found a positive self/external "
    "relation, worst in the least skilled; Mabe & West 1982: mean r = 0.29; Kruger & Dunning 1999:"
    " bottom quartile placed itself at the 62nd percentile. About a third of gaps noticed: 0.35.",
    "training",
)
_p(
    "module_hours",
    2.0,
    "hours",
    0.25,
    40,
    "Hours one on-demand module takes (added to the worker's load that week).",
    "Assumption.",
    "learning",
)
_p(
    "mentoring_hours",
    0.0,
    "hours/week",
    0,
    10,
    "Weekly mentoring / supervision hours for a new worker.",
    "Regime definition; hybrid gives 1 h/week.",
    "training",
)
_p(
    "mentoring_weeks",
    26,
    "weeks",
    0,
    260,
    "How many weeks from the first shift mentoring lasts.",
    "Assumption.",
    "training",
    "int",
)
_p(
    "mentor_detection",
    0.25,
    "per hour",
    0,
    1,
    "Chance that one hour of mentoring or supervision spots a gap the worker met this "
    "week without noticing it (someone else identifies the gap).",
    "No published figure found (docs/ODD.md §9.5); assumption: a quarter of the unseen gaps met in"
    " a mentored week per mentoring hour. Mor Barak et al. 2009 find supportive supervision "
    "related to burnout and turnover intention (r 0.30-0.40), not gap detection; in the "
    "sensitivity analysis.",
    "training",
)
_p(
    "refresher_hours",
    0.0,
    "hours/year",
    0,
    200,
    "Yearly in-service refresher training per worker.",
    "Regime definition; foundation gives 16 h/year.",
    "training",
)

# --- learning (mechanism assumptions, common to all regimes) ---------------------------
_p(
    "training_competence_max",
    0.7,
    "0-1",
    0,
    1,
    "Highest competence structured training alone can bring a worker to (the rest comes "
    "only from practice).",
    "Saks & Belcourt 2006 (Hum Resour Manage 45:629): 62 % of training is applied on the job "
    "immediately (44 % at 6 months, 34 % at a year). Training alone closes at most about 62 % of "
    "the distance from a new hire's 0.25 to full competence: 0.25 + 0.62 x 0.75 = 0.72, so 0.7.",
    "learning",
)
_p(
    "training_competence_hours",
    40.0,
    "hours",
    1,
    2000,
    "Training hours that close 63 % of the distance to that ceiling (saturating: "
    "1 - exp(-hours / this)).",
    "No published figure found (docs/ODD.md §9.5); assumption: 40 h, so 75 h (the US federal aide "
    "minimum, 16 h clinical) gives 85 % of the gain and 120 h (IOM's recommendation; Illinois "
    "DSPs) 95 %. Trinkoff et al. 2017: CNA clinical hours above the 16 h minimum go with fewer "
    "adverse outcomes. In the sensitivity analysis.",
    "learning",
)
_p(
    "training_awareness_max",
    0.6,
    "0-1",
    0,
    1,
    "Highest gap awareness structured training alone can bring a worker to.",
    "No published figure found (docs/ODD.md §9.5); assumption: structured training can teach what "
    "to look for up to 0.6; in the sensitivity analysis.",
    "learning",
)
_p(
    "training_awareness_hours",
    40.0,
    "hours",
    1,
    2000,
    "Training hours that close 63 % of the distance to the awareness ceiling.",
    "No published figure found (docs/ODD.md §9.5); assumption: the competence scale, 40 h; in the "
    "sensitivity analysis.",
    "learning",
)
_p(
    "training_selfcare_max",
    0.6,
    "0-1",
    0,
    1,
    "Highest self-care and boundaries structured training alone can bring a worker to.",
    "No published figure found (docs/ODD.md §9.5); assumption: 0.6, as for awareness; in the "
    "sensitivity analysis.",
    "learning",
)
_p(
    "training_selfcare_hours",
    40.0,
    "hours",
    1,
    2000,
    "Training hours that close 63 % of the distance to the self-care ceiling.",
    "No published figure found (docs/ODD.md §9.5); assumption: the competence scale, 40 h; in the "
    "sensitivity analysis.",
    "learning",
)
_p(
    "training_realism_max",
    0.2,
    "share",
    0,
    1,
    "Largest share of the early 'reality shock' that realistic pre-service preparation removes.",
    "Realistic job previews lower early voluntary turnover modestly (Phillips 1998, 40 studies; "
    "Earnest, Allen & Landis 2011; Colarelli 1984: fewer quits at 2-3 months): about 10 % fewer "
    "first-year quits (range 5-20 %). Removing a fifth of the reality shock gives about that with "
    "the calibrated shock: 0.2.",
    "learning",
)
_p(
    "training_realism_hours",
    8.0,
    "hours",
    1,
    2000,
    "Pre-service hours that reach 63 % of that largest share.",
    "No published figure found (docs/ODD.md §9.5); assumption: an RJP or a day of shadowing is "
    "short, so most of the effect within 8 h.",
    "learning",
)
_p(
    "initial_competence",
    0.25,
    "0-1",
    0,
    1,
    "Average competence of a new hire before any training.",
    ASSUMPTION,
    "learning",
)
_p(
    "initial_selfcare",
    0.35,
    "0-1",
    0,
    1,
    "Average self-care and boundaries of a new hire.",
    ASSUMPTION,
    "learning",
)
_p(
    "experience_rate",
    0.008,
    "per week",
    0,
    0.2,
    "Weekly competence growth from practice in the domains used.",
    "Benner 1984: nurses are 'competent' after 2-3 years in the same job (no DSP figure "
    "found); 0.008 a week closes 63 % of the gap in about 2.4 years.",
    "learning",
)
_p(
    "module_gain",
    0.08,
    "0-1",
    0,
    1,
    "Competence gained (toward full) in a domain from one module on a recognised gap.",
    ASSUMPTION,
    "learning",
)
_p(
    "selfstudy_gain",
    0.02,
    "0-1",
    0,
    1,
    "Competence gained from a recognised gap when no module is available.",
    ASSUMPTION,
    "learning",
)
_p(
    "awareness_growth",
    0.004,
    "per week",
    0,
    0.2,
    "Weekly growth of gap awareness with experience and reflection.",
    ASSUMPTION,
    "learning",
)
_p(
    "mentoring_awareness_gain",
    0.01,
    "per hour",
    0,
    0.2,
    "Growth of gap awareness per hour of mentoring.",
    ASSUMPTION,
    "learning",
)
_p(
    "gap_encounter_rate",
    3.0,
    "per unit gap",
    0,
    20,
    "How often a skill gap shows itself in a week, per unit of gap.",
    ASSUMPTION,
    "learning",
)
_p(
    "unseen_learning",
    0.5,
    "share",
    0,
    1,
    "Share of the usual learning from practice that a worker gets in a domain where "
    "they have a gap they have not recognised (one cannot practise deliberately what "
    "one does not know one lacks).",
    "No published figure found (docs/ODD.md §9.5); assumption: practice closes an unrecognised gap"
    " at half the usual rate (one does not practise deliberately what one does not know one "
    "lacks); in the sensitivity analysis.",
    "learning",
)
_p(
    "known_gap_risk",
    0.5,
    "share",
    0,
    1,
    "Share of a skill gap's extra incident risk that remains once the worker has "
    "recognised the gap (they ask for help, check, take care).",
    "No published figure found (docs/ODD.md §9.5); assumption: a recognised gap keeps half its "
    "extra risk; in the sensitivity analysis.",
    "learning",
)
_p(
    "incident_learning",
    0.1,
    "0-1",
    0,
    1,
    "Competence gained (toward full) in the domain of an unrecognised gap that an "
    "incident reveals; the gap is then recognised.",
    "No published figure found (docs/ODD.md §9.5); assumption: an incident teaches about as much "
    "as a module (module_gain 0.08): 0.1; in the sensitivity analysis.",
    "learning",
)

# --- burnout (job demands-resources) ----------------------------------------------------
_p(
    "burnout_gain",
    _DSP["burnout_gain"],
    "per week",
    0,
    1,
    "How fast strain above what resources absorb raises exhaustion.",
    CAL,
    "burnout",
    calibrated=True,
)
_p(
    "burnout_recovery",
    0.05,
    "per week",
    0,
    1,
    "How fast exhaustion recovers when resources exceed strain.",
    "Assumption: with typical resources, exhaustion halves in about 7 months once demands "
    "stop (recovery from burnout takes months). Not calibrated: the exhaustion target fixes "
    "only the level (the gain/recovery ratio), which burnout_gain is calibrated to.",
    "burnout",
)
_p(
    "gap_strain",
    1.0,
    "x gap",
    0,
    5,
    "Extra strain from working with needs one is not competent in.",
    ASSUMPTION,
    "burnout",
)
_p(
    "incident_strain",
    0.3,
    "per incident",
    0,
    3,
    "Strain added by an incident.",
    ASSUMPTION,
    "burnout",
)
_p(
    "resource_competence",
    0.35,
    "weight",
    0,
    2,
    "How much competence buffers strain.",
    ASSUMPTION,
    "burnout",
)
_p(
    "resource_selfcare",
    0.35,
    "weight",
    0,
    2,
    "How much self-care and boundaries buffer strain.",
    ASSUMPTION,
    "burnout",
)
_p(
    "resource_mentoring",
    0.15,
    "per hour",
    0,
    2,
    "How much each weekly hour of mentoring buffers strain.",
    ASSUMPTION,
    "burnout",
)
_p(
    "resource_relationship",
    0.2,
    "weight",
    0,
    2,
    "How much stable relationships with clients buffer strain.",
    ASSUMPTION,
    "burnout",
)
_p(
    "burnout_high_threshold",
    0.6,
    "0-1",
    0.05,
    0.95,
    "Exhaustion level counted as 'high burnout' (analogue of MBI high emotional exhaustion).",
    "Convention; O'Connor et al. 2018 report ~40 % high EE.",
    "burnout",
)
_p(
    "exhaustion_quality_penalty",
    0.4,
    "0-1",
    0,
    1,
    "How much full exhaustion lowers the quality of care.",
    ASSUMPTION,
    "burnout",
)

# --- separation -------------------------------------------------------------------------
_p(
    "base_quit_hazard",
    _DSP["base_quit_hazard"],
    "per week",
    0,
    0.2,
    "Weekly quit chance of an established worker (exhaustion 0.3, competence 0.5).",
    CAL,
    "separation",
    calibrated=True,
)
# The range reaches 100 because home care's calibrated shock is about 60 (most leavers
# gone within 13 weeks); DSP's is about 5.
_p(
    "reality_shock",
    _DSP["reality_shock"],
    "x hazard",
    0,
    100,
    "Extra quit hazard at the first shift (multiple of the base), fading with tenure.",
    CAL,
    "separation",
    calibrated=True,
)
_p(
    "reality_shock_weeks",
    _DSP["reality_shock_weeks"],
    "weeks",
    0.5,
    104,
    "Time scale over which the reality shock fades.",
    CAL,
    "separation",
    calibrated=True,
)
_p(
    "quit_exhaustion",
    2.0,
    "log-odds/unit",
    0,
    10,
    "How strongly exhaustion raises the quit hazard.",
    "Assumption: a worker at the high-burnout threshold (0.6) quits about 1.8x as often as "
    "one at 0.3 (3.3x at 0.9), in line with burnout roughly doubling the odds of leaving "
    "(Swider & Zimmerman 2010: burnout's multiple correlation with turnover 0.33). "
    "Not calibrated: no target relates exhaustion to quitting.",
    "separation",
)
_p(
    "quit_competence",
    1.0,
    "log-odds/unit",
    0,
    10,
    "How strongly competence lowers the quit hazard.",
    ASSUMPTION,
    "separation",
)
_p(
    "outside_options",
    1.0,
    "x hazard",
    0.1,
    5,
    "Labour-market pull (1 = normal; higher = more outside jobs).",
    "Assumption.",
    "separation",
)
_p(
    "quit_pay_elasticity",
    0.5,
    "elasticity",
    0,
    5,
    "How strongly pay relative to the local market lowers the quit hazard: the hazard "
    "is multiplied by (pay / market pay) ** -elasticity.",
    "Sharma & Xu 2022 (Innov Aging 6(4)): USD 1 (7 %) more CNA pay, 1.8 points less turnover from "
    "64.7 % (elasticity about 0.4); Powers & Powers 2010: a quarter more DSP compensation cut "
    "turnover by a third (about 1.3); Howes 2002: IHSS wages nearly doubled, turnover 17 % lower "
    "(about 0.2). Middle value 0.5.",
    "separation",
)
_p(
    "dismissal_per_incident",
    0.03,
    "probability",
    0,
    1,
    "Chance that an incident caused by a worker leads to dismissal.",
    ASSUMPTION,
    "separation",
)
_p(
    "incident_rate",
    0.01,
    "per client-week",
    0,
    0.5,
    "Weekly chance of an incident when care is given with no skill gap.",
    ASSUMPTION,
    "separation",
)
_p(
    "incident_gap_weight",
    6.0,
    "x gap",
    0,
    50,
    "How much skill gaps multiply the incident chance.",
    "Breslin & Smith 2006 (Occup Environ Med 63:27): new workers have over three times "
    "the injury risk in their first month. A new hire's gap is about 0.35 (required 0.6, "
    "competence 0.25), so 1 + 6 x 0.35 = 3.1 times the base risk.",
    "separation",
)

# --- hiring -----------------------------------------------------------------------------
_p(
    "time_to_fill",
    _DSP["time_to_fill"],
    "weeks",
    0.5,
    52,
    "Average weeks to fill an open post (weekly fill chance 1 - exp(-1/ttf)).",
    CAL,
    "hiring",
    calibrated=True,
)
_p(
    "absence_rate",
    0.03,
    "share",
    0,
    0.9,
    "Share of on-floor staff absent (sick, leave) in a normal week.",
    "Assumption for dsp (typical sickness absence; adult social care in England lost 5.1 "
    "sickness days a worker a year before 2020, Skills for Care). Calibrated for home_care "
    "against the continuity targets, which it pins with turnover (how often a fill-in "
    "makes the usual aide's visits).",
    "hiring",
)

# --- cover ------------------------------------------------------------------------------
_p(
    "overtime_cover",
    0.4,
    "probability",
    0,
    1,
    "Chance that a visit left without its primary worker, a backup or float staff is "
    "covered by a colleague in overtime.",
    "Assumption.",
    "cover",
)
_p(
    "agency_cover",
    0.5,
    "probability",
    0,
    1,
    "Chance that a visit still uncovered is made by agency (temp) staff; otherwise it is missed.",
    "Assumption.",
    "cover",
)
_p(
    "competence_required",
    0.6,
    "0-1",
    0.05,
    1,
    "Competence an average client's needs call for; below it a worker has a skill gap.",
    ASSUMPTION,
    "cover",
)
_p(
    "agency_competence",
    0.45,
    "0-1",
    0,
    1,
    "Competence of temp agency staff, who never know the client.",
    "Assumption.",
    "cover",
)

# --- costs ------------------------------------------------------------------------------
_p(
    "wage",
    17.0,
    "USD/hour",
    5,
    100,
    "Hourly wage of a front-line worker (benefits not included).",
    "US DSP median wage ~16-17 USD (2023).",
    "pay",
)
_p(
    "benefits_rate",
    0.2,
    "share of wage",
    0,
    1,
    "Benefits (health insurance, paid leave, retirement) as a share of the wage.",
    "Assumption: benefits about a fifth of the wage for DSPs. Howes 2005: health insurance raised "
    "home-care retention by 21 points.",
    "pay",
)
_p(
    "market_pay",
    20.4,
    "USD/hour",
    5,
    150,
    "Pay with benefits of the jobs workers could take instead in the local market; the "
    "quit hazard follows wage * (1 + benefits_rate) / market_pay. The settings' status "
    "quo pays the market rate (ratio 1).",
    "Assumption: the status quo pays the local market rate, so a scenario's pay is read "
    "relative to today's.",
    "pay",
)
_p(
    "overtime_premium",
    1.5,
    "x wage",
    1,
    3,
    "Pay multiple for every hour a worker gives above contract_hours in a week.",
    "US FLSA: time and a half above 40 hours a week.",
    "costs",
)
_p(
    "agency_rate",
    34.0,
    "USD/hour",
    5,
    200,
    "Hourly charge for a temp agency worker.",
    "Assumption: about 2x wage.",
    "costs",
)
_p(
    "recruit_cost",
    730.0,
    "USD/hire",
    0,
    20_000,
    "Cost of recruiting one hire (advertising, interviews, checks).",
    "Larson et al. 2016: 437 USD (2004), x 1.67 (US CPI-U 2004 to 2024).",
    "costs",
)
_p(
    "separation_cost",
    1490.0,
    "USD/leaver",
    0,
    20_000,
    "Administrative cost of one separation.",
    "Larson et al. 2016: 892 USD (2004), x 1.67 (US CPI-U 2004 to 2024).",
    "costs",
)
_p(
    "onboarding_cost",
    3250.0,
    "USD/hire",
    0,
    50_000,
    "Cost of bringing one new hire to competence on the floor (their reduced "
    "productivity and a supervisor's time), spread evenly over their first "
    "onboarding_weeks on the floor; a hire who leaves earlier costs only the weeks worked.",
    "Larson, Tolbize, Kim & York 2016 (DSP turnover costs, 2004 study): 1,949 USD (2004) "
    "of the 3,278 USD per leaver is training a new employee to competence; x 1.67 for US "
    "CPI-U 2004 to 2024 (annual averages 188.9 and 313.7), as for recruit_cost and "
    "separation_cost. Part of that figure is training hours the model also charges as "
    "trainer and mentor cost, so the total counts some of it twice (upper end).",
    "costs",
)
_p(
    "onboarding_weeks",
    26,
    "weeks",
    1,
    260,
    "Weeks on the floor over which onboarding_cost is spread.",
    "Assumption: about six months to competence, the window in which DSP turnover "
    "concentrates (41 % of DSPs leave within the first six months; Sherlock Center, "
    "RI College) and mentoring_weeks' default.",
    "costs",
    "int",
)
_p(
    "trainer_cost",
    12.0,
    "USD/training hour",
    0,
    500,
    "Cost of trainers and materials per trainee-hour of structured training.",
    "Assumption.",
    "costs",
)
_p(
    "module_cost",
    15.0,
    "USD/module",
    0,
    1000,
    "Licence cost of one on-demand module.",
    "Assumption.",
    "costs",
)

# --- in-service programme (for everyone employed, not only new hires) -----------------
_p(
    "inservice_start",
    1,
    "week",
    1,
    10_000,
    "Reported week in which an in-service programme for the whole workforce starts.",
    "Scenario input.",
    "inservice",
    "int",
)
_p(
    "inservice_weeks",
    0,
    "weeks",
    0,
    10_000,
    "How long the in-service programme runs (0 = no programme).",
    "Scenario input.",
    "inservice",
    "int",
)
_p(
    "inservice_training_hours",
    0.0,
    "hours/week",
    0,
    20,
    "Structured training each worker on the floor gets every week of the programme "
    "(saturating like pre-service training; the hours add to the week's load).",
    "Scenario input.",
    "inservice",
)
_p(
    "inservice_supervision_hours",
    0.0,
    "hours/week",
    0,
    10,
    "Supervision or mentoring each worker on the floor gets every week of the programme "
    "(works like mentoring: spots gaps, builds awareness, buffers strain).",
    "Scenario input.",
    "inservice",
)
_p(
    "inservice_modules",
    False,
    "",
    None,
    None,
    "The programme gives everyone employed at its start access to on-demand modules.",
    "Scenario input.",
    "inservice",
    "bool",
)

# --- shocks -----------------------------------------------------------------------------
_p(
    "shock_start",
    52,
    "week",
    0,
    10_000,
    "Reported weeks before a shock such as a pandemic begins (0 = from week 1).",
    "Scenario input.",
    "shocks",
    "int",
)
_p(
    "shock_weeks",
    0,
    "weeks",
    0,
    10_000,
    "Length of the shock (0 = no shock).",
    "Scenario input.",
    "shocks",
    "int",
)
_p(
    "shock_demand",
    1.0,
    "x need",
    0.5,
    5,
    "Multiplier on client need during the shock.",
    "Scenario input.",
    "shocks",
)
_p(
    "shock_absence",
    0.0,
    "share",
    0,
    0.9,
    "Extra share of staff absent each week during the shock.",
    "Scenario input.",
    "shocks",
)
_p(
    "shock_hiring",
    1.0,
    "x time-to-fill",
    1,
    20,
    "Multiplier on time-to-fill during the shock (slower hiring).",
    "Scenario input.",
    "shocks",
)
_p(
    "shock_outside_options",
    1.0,
    "x hazard",
    0.1,
    5,
    "Multiplier on the quit hazard during the shock (tight labour market).",
    "Scenario input.",
    "shocks",
)

# --- simulation -------------------------------------------------------------------------
_p(
    "warmup_weeks",
    520,
    "weeks",
    0,
    2080,
    "Weeks simulated under the status quo before reporting starts (not reported).",
    "Ten years: long enough for the status quo to settle, so the reported years do not "
    "drift (tests/test_model.py checks year 10 against year 2).",
    "simulation",
    "int",
)
_p(
    "n_domains",
    4,
    "domains",
    1,
    12,
    "Need domains (personal care, behaviour support, health and medication, "
    "relationships and boundaries).",
    "docs/ODD.md §2.5.",
    "simulation",
    "int",
)
_p(
    "agent_record_every",
    0,
    "weeks",
    0,
    1040,
    "Record every agent's state every this many weeks (0 = off, saves memory).",
    "Memory control.",
    "simulation",
    "int",
)

PARAMS: dict[str, Param] = {p.name: p for p in _P}

#: Parameters that define a training regime. A regime preset sets these.
REGIME_PARAMS: tuple[str, ...] = tuple(n for n, p in PARAMS.items() if p.group == "training")

#: The named regimes (docs/ODD.md §1.1): presets over the training parameters.
REGIMES: dict[str, dict[str, Any]] = {
    "jit": {
        "preservice_hours": 16.0,
        "modules_available": True,
        "mentoring_hours": 0.0,
        "refresher_hours": 0.0,
    },
    "foundation": {
        "preservice_hours": 120.0,
        "modules_available": True,
        "mentoring_hours": 0.0,
        "refresher_hours": 16.0,
    },
    "hybrid": {
        "preservice_hours": 60.0,
        "modules_available": True,
        "mentoring_hours": 1.0,
        "refresher_hours": 0.0,
    },
}

REGIME_LABELS: dict[str, str] = {
    "jit": "JIT-only",
    "foundation": "Foundation-first",
    "hybrid": "Hybrid",
}

#: The settings (kinds of service): presets over non-training parameters. Each entry is
#: ``name: (value, rationale)``; the values calibrated for a setting (``CALIBRATION``)
#: are added to its preset in :data:`SETTINGS`. ``dsp`` is the registry defaults.
_MEMBER8 = (
    "No target identifies it; the value of member 8 of the first home-care ensemble "
    "(history matching, docs/ODD.md 9.7), adopted with its calibrated values because "
    "with the registry's values the home-care targets were not all met (CALIBRATION)."
)

SETTING_ASSUMPTIONS: dict[str, dict[str, tuple[Any, str]]] = {
    "dsp": {},
    "home_care": {
        "wage": (
            15.0,
            "Home care aides earn less than DSPs and most lack benefits (PHI, BLS OES "
            "home health and personal care aides); about 12 % below the DSP wage.",
        ),
        "benefits_rate": (
            0.1,
            "Most home care aides lack employer benefits (PHI): half the DSP benefits rate "
            "(assumption).",
        ),
        "market_pay": (
            16.5,
            "The status quo pays the local market rate: 15 USD * 1.1 (so pay ratio 1, as in "
            "dsp; a scenario's pay is read relative to today's).",
        ),
        "client_hours": (
            40.0,
            "Medicaid home care clients in New York (Reckrey et al. 2022): 32 % had under 3 "
            "hours a day, 42 % 3-7 and 26 % over 7; a log-normal with median 30 hours a week "
            "and log-sd 0.76 (acuity_sd with hours_sd) matches, mean 40.",
        ),
        "hours_sd": (
            0.67,
            "With acuity_sd 0.35, a log-sd of weekly hours of 0.76 (Reckrey et al. 2022's "
            "hour groups).",
        ),
        "n_clients": (
            75,
            "As many care hours a week as dsp's 300 clients of 10 hours (75 * 40 = 3,000) for "
            "the same 100 posts.",
        ),
        "visit_hours_min": (
            4.0,
            "Assumption: home care aides are scheduled in blocks of at least four hours, "
            "so a client with few hours has visits on fewer days.",
        ),
        "work_days": (
            6,
            "Chosen with the continuity targets (Reckrey et al. 2022): of 5 and 6 days, 6 "
            "gives their fall of COC with daily hours; home care aides often work six days "
            "for the same clients (assumption).",
        ),
        "time_to_fill": (
            6.0,
            "Home care agencies recruit continuously with low entry requirements "
            "and hire within weeks (assumption: half the DSP time to fill). "
            "Not calibrated: there is no home-care vacancy target.",
        ),
        "quit_exhaustion": (
            1.24,
            _MEMBER8,
        ),
        "burnout_recovery": (
            0.0695,
            _MEMBER8,
        ),
        "unseen_learning": (
            0.763,
            _MEMBER8,
        ),
        "known_gap_risk": (
            0.403,
            _MEMBER8,
        ),
        "module_gain": (
            0.113,
            _MEMBER8,
        ),
        "gap_encounter_rate": (
            5.04,
            _MEMBER8,
        ),
    },
}

#: Display labels of the settings.
SETTING_LABELS: dict[str, str] = {
    "dsp": "Disability support (DSP)",
    "home_care": "Home care",
}


def _setting_presets() -> dict[str, dict[str, Any]]:
    out = {}
    for name, assumed in SETTING_ASSUMPTIONS.items():
        preset = {k: v for k, (v, _) in assumed.items()}
        if name != "dsp":  # dsp's calibrated values are the registry defaults
            preset |= CALIBRATION[name]["values"]
        out[name] = preset
    return out


#: The settings as parameter presets (assumptions plus the setting's calibrated values).
SETTINGS: dict[str, dict[str, Any]] = _setting_presets()


def format_value(v: Any) -> str:
    """A parameter value as it is written in a scenario file (``true``, ``0.5``, ``120``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(format_value(x) for x in v)
    return str(v)


def as_record(resolved: Mapping[str, Any], names: Sequence[str] | None = None) -> Any:
    """Parameters ``names`` (default: all) of ``resolved`` as a one-element NumPy record
    array, each field of its registry kind: the form in which the compiled weekly step
    reads them (``P = params[0]``, then ``P.client_hours``).

    A record array passes into compiled code in well under a microsecond, and every
    field has one type whatever the user typed (``2`` or ``2.0``).
    """
    import numpy as np

    kinds = {"float": np.float64, "int": np.int64, "bool": np.bool_}
    names = list(PARAMS) if names is None else list(names)
    record = np.zeros(1, dtype=[(n, kinds[PARAMS[n].kind]) for n in names])
    for n in names:
        record[n] = resolved[n]
    return record


def defaults() -> dict[str, Any]:
    """All registry defaults (the ``jit`` status quo in the ``dsp`` setting)."""
    return {n: p.default for n, p in PARAMS.items()}


def suggest(name: str, choices: Any = None) -> str:
    """A ' (did you mean ...?)' hint for a near-miss name, or ''."""
    pool = [str(c) for c in (PARAMS if choices is None else choices)]
    if not isinstance(name, str) or len(name) > 2 * max(map(len, pool), default=0) + 2:
        return ""  # far longer than any choice: no near miss (and no slow comparison)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def as_python(value: Any) -> Any:
    """A NumPy scalar (``np.int64(5)``, ``np.float32``, ``np.bool_``) as the plain Python
    number or bool it holds; anything else unchanged. (``mesa.batch_run`` over
    ``np.arange`` and the EMA Workbench pass NumPy numbers.)"""
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def validate_value(name: str, value: Any, where: str = "") -> Any:
    """Check one value against the registry; return it converted to the param's kind
    (a plain Python ``int``, ``float`` or ``bool``, also for NumPy numbers)."""
    at = f" in {where}" if where else ""
    if name not in PARAMS:
        raise ParameterError(f"unknown parameter {show(name)}{at}{suggest(name)}")
    p = PARAMS[name]
    value = as_python(value)
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        raise ParameterError(f"'{name}'{at} must be true or false, got {show(value)}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(
            f"'{name}'{at} must be a number ({p.kind}), got {show(value)} "
            f"(allowed: {p.range_text} {p.unit})".rstrip()
        )
    if p.kind == "int":
        if not isinstance(value, numbers.Integral):
            value = float(value)
            if not value.is_integer():
                raise ParameterError(
                    f"'{name}'{at} must be a whole number, got {show(value)} "
                    f"(allowed: {p.range_text} {p.unit})".rstrip()
                )
        value = int(value)
    else:
        value = float(value)
    if (
        value != value
        or (p.low is not None and value < p.low)
        or (p.high is not None and value > p.high)
    ):
        raise ParameterError(
            f"'{name}'{at} = {show(value)} is out of range (allowed: {p.range_text} "
            f"{p.unit})".rstrip()
        )
    return value


def validate(values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Validate a mapping of parameter overrides; return the converted values."""
    return {k: validate_value(k, v, where) for k, v in values.items()}


def check_setting(setting: str) -> str:
    """``setting`` if it names a setting preset, else a :class:`ParameterError`."""
    if not isinstance(setting, str) or setting not in SETTINGS:
        raise ParameterError(
            f"unknown setting {show(setting)}{suggest(str(setting), SETTINGS)}; "
            f"allowed: {', '.join(SETTINGS)}"
        )
    return setting


def resolve(
    regime: str | Mapping[str, Any] = "jit", *, setting: str = "dsp", **overrides: Any
) -> dict[str, Any]:
    """Full parameter set: defaults, then the setting preset, then the regime preset,
    then explicit overrides.

    ``regime`` is a preset name or a mapping of training-parameter values; ``setting``
    names a preset of :data:`SETTINGS`.
    """
    preset_setting = SETTINGS[check_setting(setting)]
    if isinstance(regime, str):
        if regime not in REGIMES:
            raise ParameterError(
                f"unknown regime {show(regime)}{suggest(regime, REGIMES)}; "
                f"allowed: {', '.join(REGIMES)}"
            )
        preset = REGIMES[regime]
    else:
        preset = dict(regime)
    out = defaults()
    out.update(preset_setting)
    out.update(validate(preset, "regime"))
    out.update(validate(overrides))
    return out


def _check_presets() -> None:
    for name, preset in SETTINGS.items():
        training = sorted(set(preset) & set(REGIME_PARAMS))
        if training:
            raise ParameterError(f"setting '{name}' sets training parameters {training}")
        validate(preset, f"setting {name}")
    if set(CALIBRATION) != set(SETTINGS):
        raise ParameterError("CALIBRATION must have one record per setting")


_check_presets()
