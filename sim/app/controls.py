"""The dashboard's controls, generated from the parameter registry.

Every control is a registry parameter (:data:`sim.core.params.PARAMS`): its range,
default, unit, short label and meaning come from there (:data:`SHORT_LABELS` is each
control's ``Param.label``); :func:`control_label` puts the label, the value and a unit for
people (:func:`value_text`) together, e.g. ``Wage: 17 USD/hour`` or
``Learner motivation: 20 %``.

Training parameters belong to a regime (:data:`sim.core.params.REGIMES`): picking a
regime sets the training controls to its preset (:func:`regime_training`); moving one
of them makes the regime "custom" (:func:`regime_label`). Everything else is compared
with the registry default, and :func:`caption` states the regime and every changed
lever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.core.params import PARAMS, REGIME_LABELS, REGIMES, format_value

__all__ = [
    "CHECKBOXES",
    "COMPARE_CONTROLS",
    "CONTROLS",
    "CONTROL_GROUPS",
    "DASHBOARD_MAX",
    "SHORT_LABELS",
    "SLIDERS",
    "TRAINING",
    "caption",
    "changed_levers",
    "checkbox_spec",
    "control_label",
    "default_values",
    "is_custom",
    "regime_caption",
    "regime_key",
    "regime_label",
    "regime_training",
    "slider_spec",
    "value_text",
]

#: Registry parameters offered as controls, by group, in sidebar order: numbers are
#: sliders (:data:`SLIDERS`), true/false parameters tick boxes (:data:`CHECKBOXES`).
CONTROL_GROUPS: dict[str, tuple[str, ...]] = {
    "Agency": ("n_workers", "n_clients", "float_pool", "time_to_fill", "outside_options"),
    "Pay": ("wage", "benefits_rate"),
    "Training of new hires (the regime)": (
        "preservice_hours",
        "mentoring_hours",
        "refresher_hours",
        "modules_available",
    ),
    "JIT assumptions": (
        "module_coverage",
        "module_wait_weeks",
        "learner_motivation",
        "self_assessment",
        "mentor_detection",
    ),
    "In-service programme": (
        "inservice_weeks",
        "inservice_training_hours",
        "inservice_supervision_hours",
        "inservice_modules",
    ),
    "Shock": (
        "shock_start",
        "shock_weeks",
        "shock_demand",
        "shock_absence",
        "shock_hiring",
        "shock_outside_options",
    ),
}

#: Short labels for a projector, one per control: the registry's (``Param.label``); the
#: registry's descriptions are the long form, shown in the help table.
SHORT_LABELS: dict[str, str] = {n: PARAMS[n].label for g in CONTROL_GROUPS.values() for n in g}

#: Every control, in sidebar order.
CONTROLS: tuple[str, ...] = tuple(n for names in CONTROL_GROUPS.values() for n in names)
#: Number controls (sliders).
SLIDERS: tuple[str, ...] = tuple(n for n in CONTROLS if PARAMS[n].kind != "bool")
#: True/false controls (tick boxes).
CHECKBOXES: tuple[str, ...] = tuple(n for n in CONTROLS if PARAMS[n].kind == "bool")
#: The training controls: the regime's own parameters.
TRAINING: tuple[str, ...] = CONTROL_GROUPS["Training of new hires (the regime)"]
#: The controls of the side-by-side page (each side keeps its regime's training).
COMPARE_CONTROLS: tuple[str, ...] = tuple(n for n in CONTROLS if n not in TRAINING)

#: Upper limits for a live picture where the registry allows far more (batch runs).
DASHBOARD_MAX: dict[str, float] = {
    "n_workers": 1000,
    "n_clients": 3000,
    "float_pool": 100,
    "shock_start": 260,
    "shock_weeks": 260,
    "inservice_weeks": 260,
}

#: Registry units shown as a percentage (the value is a share or a probability).
_PERCENT_UNITS = {"share", "probability", "share of wage", "per hour"}
#: Registry units of multipliers, shown as "x normal".
_TIMES_UNITS = {"x hazard", "x need", "x time-to-fill"}
_STEPS = (10, 5, 4, 2, 1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001)
_LABEL_TO_REGIME = {label: key for key, label in REGIME_LABELS.items()}


def value_text(name: str, value: Any) -> str:
    """``value`` of control ``name`` with a unit for people (``20 %``, ``1.5 × normal``)."""
    p = PARAMS[name]
    if p.kind == "bool":
        return "on" if value else "off"
    v = float(value)
    if p.unit in _PERCENT_UNITS:
        text = f"{v * 100:.3g} %"
        return f"{text} an hour" if p.unit == "per hour" else text
    if p.unit in _TIMES_UNITS:
        return f"{v:g} × normal"
    num = f"{round(v):,}" if p.kind == "int" else f"{v:,.3g}" if v < 1000 else f"{v:,.0f}"
    unit = {"week": ""}.get(p.unit, p.unit)
    return f"{num} {unit}".rstrip()


def control_label(name: str, value: Any) -> str:
    """The label a control shows: ``Short label: value unit``."""
    return f"{SHORT_LABELS[name]}: {value_text(name, value)}"


def _slider_max(name: str) -> float:
    p = PARAMS[name]
    cap = DASHBOARD_MAX.get(name)
    return p.high if cap is None else min(p.high, cap)


def _slider_step(name: str) -> float:
    """A round step of about 1/60 of the range that hits the default and the presets."""
    p = PARAMS[name]
    if p.kind == "int":
        return 1
    span = float(_slider_max(name)) - float(p.low)
    hits = [p.default] + [r[name] for r in REGIMES.values() if name in r]
    for step in _STEPS:
        if step <= span / 60 and all(
            abs((v - p.low) / step - round((v - p.low) / step)) < 1e-9 for v in hits
        ):
            return step
    return _STEPS[-1]


def slider_spec(name: str) -> dict[str, Any]:
    """A slider for registry parameter ``name``: range and default from the registry."""
    p = PARAMS[name]
    if p.kind not in ("int", "float"):
        raise ValueError(f"'{name}' is not numeric; it cannot be a slider")
    conv = int if p.kind == "int" else float
    return {
        "type": "SliderInt" if p.kind == "int" else "SliderFloat",
        "label": SHORT_LABELS[name],
        "value": conv(p.default),
        "min": conv(p.low),
        "max": conv(_slider_max(name)),
        "step": _slider_step(name),
    }


def checkbox_spec(name: str) -> dict[str, Any]:
    """A tick box for true/false registry parameter ``name``."""
    p = PARAMS[name]
    if p.kind != "bool":
        raise ValueError(f"'{name}' is not true/false; it cannot be a tick box")
    return {"type": "Checkbox", "value": bool(p.default), "label": SHORT_LABELS[name]}


def regime_key(regime: str) -> str:
    """A regime name from a key (``"jit"``) or its label (``"JIT-only"``)."""
    return _LABEL_TO_REGIME.get(regime, regime)


def regime_training(regime: str) -> dict[str, Any]:
    """The training controls' values under ``regime``'s preset."""
    preset = REGIMES[regime_key(regime)]
    return {n: preset.get(n, PARAMS[n].default) for n in TRAINING}


def default_values(regime: str = "jit", names: tuple[str, ...] = CONTROLS) -> dict[str, Any]:
    """Every control at its default (training controls at ``regime``'s preset)."""
    out = {n: PARAMS[n].default for n in names}
    out.update({k: v for k, v in regime_training(regime).items() if k in names})
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) != bool(b)
    return abs(float(a) - float(b)) > 1e-9


def is_custom(regime: str, params: Mapping[str, Any]) -> bool:
    """Whether ``params`` give new hires other training than ``regime``'s preset."""
    preset = regime_training(regime)
    return any(n in params and _differs(params[n], v) for n, v in preset.items())


def regime_label(regime: str, params: Mapping[str, Any]) -> str:
    """``JIT-only``, or ``Custom (from JIT-only)`` when the training differs from it."""
    label = REGIME_LABELS.get(regime_key(regime), regime)
    return f"Custom (from {label})" if is_custom(regime, params) else label


def changed_levers(regime: str, params: Mapping[str, Any]) -> list[str]:
    """Every control whose value differs from the default (training: from the preset)."""
    base = default_values(regime)
    return [
        f"{SHORT_LABELS[n]} = {value_text(n, params[n])}"
        for n in CONTROLS
        if n in params and _differs(params[n], base[n])
    ]


def _training_text(params: Mapping[str, Any]) -> str:
    pre, men, ref = (params[n] for n in ("preservice_hours", "mentoring_hours", "refresher_hours"))
    parts = [f"{format_value(pre)} h pre-service"]
    parts.append(f"{format_value(men)} h/week mentoring" if men else "no mentoring")
    parts.append(f"{format_value(ref)} h/year refresher" if ref else "no refresher")
    parts.append("modules on" if params["modules_available"] else "no modules")
    return ", ".join(parts)


def regime_caption(regime: str, params: Mapping[str, Any]) -> str:
    """The regime and the training its new hires get."""
    return f"Regime: {regime_label(regime, params)} (new hires get {_training_text(params)})."


def caption(regime: str, params: Mapping[str, Any]) -> str:
    """The regime (with its training) and every lever changed from the defaults."""
    changed = changed_levers(regime, params)
    return (
        regime_caption(regime, params)
        + " "
        + (
            "Changed from the defaults: " + "; ".join(changed) + "."
            if changed
            else "Every other control is at its default."
        )
    )
