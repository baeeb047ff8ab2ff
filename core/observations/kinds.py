"""Kinds of observation: what can be measured or tracked, in which unit, within which range,
in which data category, and how FHIR codes it.

Kinds are data. Core ships the self-tracking and vital-sign kinds below; a plugin adds its
own with the hook ``register_observation_kinds`` (the GP's HbA1c and lipids, a peak-flow
reading), named ``<plugin>.<kind>``. The registry is built once, at start-up, from core's
kinds and the plugins' (``core.plugins.Plugins.observation_kinds``); a duplicate code, an
unknown category or a kind without anything to record stops start-up naming the plugin.

Ranges are plausibility limits for catching typing mistakes (shared/DOMAIN.md section 3: a
design proposal, not a clinical standard), not normal ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..categories import DataCategory as C
from ..permissions import ConfigurationError

__all__ = [
    "CORE_KINDS",
    "CodedValue",
    "Kinds",
    "ObservationKind",
    "Problem",
    "Quantity",
    "Scale",
    "build_kinds",
]


@dataclass(frozen=True)
class Quantity:
    """One number of a reading (a weight; the systolic of a blood pressure) and the range a
    plausible value lies in, inclusive. Values are rounded to ``decimals`` places."""

    name: str  # "systolic": how the API names this number
    display: str
    minimum: float
    maximum: float
    decimals: int = 1
    required: bool = True
    # Its own unit where it differs from the reading's (a healthy-eating rating and portions).
    unit: str | None = None
    loinc: str | None = None
    snomed: str | None = None


@dataclass(frozen=True)
class Scale:
    """A unit a kind is recorded in (UCUM), with its numbers: the value and, for two-number
    readings (blood pressure, sleep), the second value."""

    unit: str
    value: Quantity | None
    second_value: Quantity | None = None

    @property
    def quantities(self) -> tuple[Quantity, ...]:
        return tuple(q for q in (self.value, self.second_value) if q is not None)


@dataclass(frozen=True)
class CodedValue:
    """One answer of a coded kind (smoking status)."""

    display: str
    snomed: str | None = None


@dataclass(frozen=True)
class Problem:
    """What a kind's own rule found wrong with a reading: a stable code, the input field at
    fault (``value``, ``secondValue``) and a message a person understands."""

    code: str
    field: str
    message: str


# A kind's own rule about its two numbers together: the reading's value and second value
# (each None when not given), in the scale's unit.
PairRule = Callable[[float | None, float | None], Problem | None]


@dataclass(frozen=True, eq=False)  # one instance per kind, in the registry: equal if the same
class ObservationKind:
    """What can be observed. A kind is numeric (``scales``), coded (``codes``), or both."""

    code: str  # "weight"; a plugin's: "gp.hba1c"
    display: str
    category: str
    scales: tuple[Scale, ...] = ()
    codes: Mapping[str, CodedValue] = field(default_factory=dict)
    loinc: str | None = None
    snomed: str | None = None
    # Whether a free-text note may go with a reading (mood: "argued with my sister").
    takes_note: bool = False
    description: str = ""
    rule: PairRule | None = None

    @property
    def unit(self) -> str | None:
        """The default unit (the first scale's)."""
        return self.scales[0].unit if self.scales else None

    def scale(self, unit: str | None) -> Scale | None:
        """The scale of ``unit`` (the default one when ``unit`` is None), if the kind has it."""
        if not self.scales:
            return None
        if unit is None:
            return self.scales[0]
        return next((scale for scale in self.scales if scale.unit == unit), None)


# --- core's kinds ---------------------------------------------------------------------------
# Codes from shared/DOMAIN.md section 3 (UK Core vital-sign profiles); the others are marked
# unverified in docs/health-record.md and are checked against the terminology server before
# anyone relies on them.

_MINUTES_IN_A_DAY = 24 * 60


def _diastolic_below_systolic(systolic: float | None, diastolic: float | None) -> Problem | None:
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        return Problem("DIASTOLIC_ABOVE_SYSTOLIC", "secondValue",
                       "The diastolic (lower) number must be below the systolic (upper) one.")
    return None


def _asleep_within_bed(asleep: float | None, in_bed: float | None) -> Problem | None:
    if asleep is not None and in_bed is not None and asleep > in_bed:
        return Problem("ASLEEP_LONGER_THAN_IN_BED", "value",
                       "Minutes asleep cannot be more than the time in bed.")
    return None

CORE_KINDS: tuple[ObservationKind, ...] = (
    ObservationKind(
        "weight", "Body weight", C.PHYSICAL_HEALTH,
        (Scale("kg", Quantity("weight", "Weight", 20, 350)),),
        loinc="29463-7", snomed="27113001"),
    ObservationKind(
        "height", "Body height", C.PHYSICAL_HEALTH,
        (Scale("cm", Quantity("height", "Height", 100, 250)),),
        loinc="8302-2", snomed="50373000"),
    ObservationKind(
        "bmi", "Body mass index (BMI)", C.PHYSICAL_HEALTH,
        (Scale("kg/m2", Quantity("bmi", "BMI", 8, 120)),),
        loinc="39156-5", snomed="60621009",
        description="Recorded directly, or derived from a weight and the latest height."),
    ObservationKind(
        "blood_pressure", "Blood pressure", C.PHYSICAL_HEALTH,
        (Scale("mm[Hg]",
               Quantity("systolic", "Systolic", 60, 260, decimals=0,
                        loinc="8480-6", snomed="271649006"),
               Quantity("diastolic", "Diastolic", 30, 160, decimals=0,
                        loinc="8462-4", snomed="271650006")),),
        loinc="85354-9", snomed="75367002", rule=_diastolic_below_systolic),
    ObservationKind(
        "pulse", "Pulse rate", C.PHYSICAL_HEALTH,
        (Scale("/min", Quantity("pulse", "Pulse", 25, 250, decimals=0)),),
        loinc="8867-4", snomed="364075005"),
    ObservationKind(
        "resting_heart_rate", "Resting heart rate", C.PHYSICAL_HEALTH,
        (Scale("/min", Quantity("resting_heart_rate", "Resting heart rate", 25, 250,
                                decimals=0)),),
        loinc="40443-4",
        description="A day's resting heart rate, as a wearable works it out."),
    ObservationKind(
        "smoking_status", "Smoking status", C.PHYSICAL_HEALTH,
        codes={"never": CodedValue("Never smoked tobacco", "266919005"),
               "ex": CodedValue("Ex-smoker", "8517006"),
               "current": CodedValue("Smoker", "77176002")},
        loinc="72166-2"),
    ObservationKind(
        "alcohol_units", "Alcohol units per week", C.PHYSICAL_HEALTH,
        (Scale("{units}/wk", Quantity("units", "Units per week", 0, 300)),),
        snomed="228958009"),
    ObservationKind(
        "steps", "Steps", C.WELLBEING,
        (Scale("{steps}", Quantity("steps", "Steps in the day", 0, 100_000, decimals=0)),),
        loinc="41950-7", description="Steps in one day."),
    ObservationKind(
        "active_minutes", "Active minutes", C.WELLBEING,
        (Scale("min", Quantity("active_minutes", "Active minutes in the day", 0,
                               _MINUTES_IN_A_DAY, decimals=0)),),
        description="Minutes of moderate or vigorous activity in one day."),
    ObservationKind(
        "sleep", "Sleep", C.WELLBEING,
        (Scale("min",
               Quantity("minutes_asleep", "Minutes asleep", 0, _MINUTES_IN_A_DAY, decimals=0),
               Quantity("time_in_bed", "Time in bed (minutes)", 0, _MINUTES_IN_A_DAY,
                        decimals=0, required=False)),),
        loinc="93832-4", description="One night's sleep, dated the day it ended.",
        rule=_asleep_within_bed),
    ObservationKind(
        "mood", "Mood", C.WELLBEING,
        (Scale("{score_1_5}", Quantity("mood", "Mood, 1 (very low) to 5 (very good)", 1, 5,
                                       decimals=0)),
         Scale("{score_0_10}", Quantity("mood", "Mood, 0 (very low) to 10 (very good)", 0, 10,
                                        decimals=0))),
        takes_note=True, description="How the person feels, on the scale they chose."),
    ObservationKind(
        "healthy_eating", "Healthy eating", C.WELLBEING,
        (Scale("{rating_1_5}",
               Quantity("rating", "How healthily I ate, 1 to 5", 1, 5, decimals=0,
                        required=False),
               Quantity("portions", "Portions of fruit and vegetables", 0, 30, decimals=0,
                        required=False, unit="{portions}")),),
        takes_note=True, description="A day's rating, portions of fruit and vegetables, or both."),
)


class Kinds(Mapping[str, ObservationKind]):
    """The registry: every kind by code, core's first, then the plugins' in plugin order."""

    def __init__(self, kinds: Iterable[ObservationKind]) -> None:
        self._kinds = {kind.code: kind for kind in kinds}

    def __getitem__(self, code: str) -> ObservationKind:
        return self._kinds[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def in_categories(self, categories: Iterable[str]) -> list[str]:
        wanted = set(categories)
        return [code for code, kind in self._kinds.items() if kind.category in wanted]


def _check(kind: ObservationKind, owner: str, categories: Mapping[str, str]) -> None:
    where = f"{'core' if owner == 'core' else f'plugin {owner!r}'}: observation kind"
    if owner != "core" and not kind.code.startswith(f"{owner}."):
        raise ConfigurationError(f"{where} {kind.code!r} must be named '{owner}.<kind>'")
    if kind.category not in categories:
        raise ConfigurationError(
            f"{where} {kind.code!r} names unknown data category {kind.category!r}; known: "
            f"{', '.join(sorted(categories))}")
    if not kind.scales and not kind.codes:
        raise ConfigurationError(f"{where} {kind.code!r} has neither a scale nor codes")
    for scale in kind.scales:
        if scale.value is None and scale.second_value is None:
            raise ConfigurationError(
                f"{where} {kind.code!r}: scale {scale.unit!r} has no quantity")
        for quantity in scale.quantities:
            if quantity.minimum > quantity.maximum:
                raise ConfigurationError(
                    f"{where} {kind.code!r}: {quantity.name} has a minimum above its maximum")
    units = [scale.unit for scale in kind.scales]
    if len(set(units)) != len(units):
        raise ConfigurationError(f"{where} {kind.code!r} lists a unit twice")


def build_kinds(
    contributed: Iterable[tuple[str, Iterable[ObservationKind]]],
    categories: Mapping[str, str],
) -> Kinds:
    """Core's kinds and each plugin's ``(plugin name, kinds)``, checked; a kind declared twice
    stops start-up naming both owners."""
    owners: dict[str, str] = {}
    found: list[ObservationKind] = []
    for owner, kinds in [("core", CORE_KINDS), *contributed]:
        for kind in kinds:
            if kind.code in owners:
                first = owners[kind.code]
                raise ConfigurationError(
                    f"observation kind {kind.code!r} is declared by both "
                    f"{first if first == 'core' else f'plugin {first!r}'} and "
                    f"{'core' if owner == 'core' else f'plugin {owner!r}'}")
            _check(kind, owner, categories)
            owners[kind.code] = owner
            found.append(kind)
    return Kinds(found)
