"""Reading an instrument file: a FHIR R4 Questionnaire and the part beside it that says how the service
uses it (scoring, MCID, schedule, translations). Pure: the file's dict in, a Definition or a
DefinitionError naming the place at fault out. docs/outcomes.md describes the format.

The Questionnaire is validated with the fhir.resources R4B models (the R4 line of fhir.resources 8);
each answer option's value for scoring is the FHIR `ordinalValue` extension of its coding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# The R4 name of the same extension, found in Questionnaires written before it was renamed.
CO_VALUE = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
SCORED_TYPES = ("choice", "integer")
METHODS = ("sum", "percent", "lookup")
LANGUAGES = ("en", "es")
MAX_ITEMS = 100


class DefinitionError(ValueError):
    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Option:
    code: str
    display: str
    value: Decimal


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    type: str  # choice or integer
    required: bool
    options: tuple[Option, ...] = ()
    min_value: int | None = None
    max_value: int | None = None

    def value_of(self, answer) -> Decimal | None:
        """The item's value for scoring of a stored answer (an option's code, or a number)."""
        if self.type == "choice":
            return next((o.value for o in self.options if o.code == answer), None)
        return Decimal(answer) if isinstance(answer, int) and not isinstance(answer, bool) else None

    @property
    def max_points(self) -> Decimal:
        if self.type == "choice":
            return max(o.value for o in self.options)
        return Decimal(self.max_value)

    @property
    def min_points(self) -> Decimal:
        if self.type == "choice":
            return min(o.value for o in self.options)
        return Decimal(self.min_value)


@dataclass(frozen=True)
class TimePointDef:
    code: str
    label: str
    day: int
    start_day: int
    end_day: int
    baseline: bool = False


@dataclass(frozen=True)
class Definition:
    code: str
    version: str
    url: str
    title: str
    questionnaire: dict
    items: tuple[Item, ...]
    method: str
    higher_is_better: bool
    mcid: Decimal
    time_points: tuple[TimePointDef, ...]
    improvement_by: str = ""
    procedures: tuple[str, ...] = ()
    translations: dict = field(default_factory=dict)
    table: dict = field(default_factory=dict)  # lookup: {raw sum as text: score}

    @property
    def scoring(self) -> dict:
        return {"table": self.table} if self.method == "lookup" else {}


def _validate_fhir(resource: dict) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire
    from pydantic import ValidationError

    try:
        Questionnaire.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "questionnaire"
        for part in first["loc"]:
            where += f"[{part}]" if isinstance(part, int) else f".{part}"
        raise DefinitionError(where, first["msg"]) from None
    except (TypeError, ValueError) as exc:  # fhir.resources raises these for a wrong resourceType
        raise DefinitionError("questionnaire", str(exc)[:300]) from None


def _ordinal(coding: dict) -> Decimal | None:
    for ext in coding.get("extension") or ():
        if ext.get("url") in (ORDINAL_VALUE, CO_VALUE):
            raw = ext.get("valueDecimal", ext.get("valueInteger"))
            if raw is not None and not isinstance(raw, bool):
                return Decimal(str(raw))
    return None


def _ext_int(item: dict, url: str) -> int | None:
    for ext in item.get("extension") or ():
        if ext.get("url") == url and isinstance(ext.get("valueInteger"), int):
            return ext["valueInteger"]
    return None


def _items(questionnaire: dict) -> tuple[Item, ...]:
    items = []
    seen = set()
    raw_items = questionnaire.get("item") or []
    if not raw_items:
        raise DefinitionError("questionnaire.item", "the questionnaire has no items")
    if len(raw_items) > MAX_ITEMS:
        raise DefinitionError("questionnaire.item", f"at most {MAX_ITEMS} items")
    for n, raw in enumerate(raw_items):
        where = f"questionnaire.item[{n}]"
        link_id, kind = raw.get("linkId"), raw.get("type")
        if kind not in SCORED_TYPES:
            raise DefinitionError(f"{where}.type", f"'{kind}' is not served: items are 'choice' or 'integer' (one question a screen, scored)")
        if raw.get("item"):
            raise DefinitionError(f"{where}.item", "nested items are not served")
        if link_id in seen:
            raise DefinitionError(f"{where}.linkId", f"'{link_id}' is used twice")
        seen.add(link_id)
        if not raw.get("text"):
            raise DefinitionError(f"{where}.text", "every item needs its text")
        options = []
        if kind == "choice":
            for m, option in enumerate(raw.get("answerOption") or []):
                coding = option.get("valueCoding")
                if not coding or not coding.get("code") or not coding.get("display"):
                    raise DefinitionError(f"{where}.answerOption[{m}]", "each option is a valueCoding with a code and a display")
                value = _ordinal(coding)
                if value is None:
                    raise DefinitionError(f"{where}.answerOption[{m}].valueCoding.extension", f"each option carries its value ({ORDINAL_VALUE})")
                options.append(Option(code=coding["code"], display=coding["display"], value=value))
            if len(options) < 2:
                raise DefinitionError(f"{where}.answerOption", "a choice item needs at least two options")
            if len({o.code for o in options}) != len(options):
                raise DefinitionError(f"{where}.answerOption", "two options share a code")
            items.append(Item(link_id, raw["text"], kind, bool(raw.get("required")), tuple(options)))
        else:
            low, high = _ext_int(raw, MIN_VALUE), _ext_int(raw, MAX_VALUE)
            if low is None or high is None or low > high:
                raise DefinitionError(f"{where}.extension", f"an integer item carries its range ({MIN_VALUE}, {MAX_VALUE})")
            items.append(Item(link_id, raw["text"], kind, bool(raw.get("required")), min_value=low, max_value=high))
    return tuple(items)


def _int(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -400 <= value <= 4000:
        raise DefinitionError(where, "a whole number of post-operative days")
    return value


def _time_points(schedule) -> tuple[TimePointDef, ...]:
    if not isinstance(schedule, list) or not schedule:
        raise DefinitionError("recovery.schedule", "a list of time points")
    points = []
    for n, raw in enumerate(schedule):
        where = f"recovery.schedule[{n}]"
        if not isinstance(raw, dict):
            raise DefinitionError(where, "a time point is an object")
        code = raw.get("code")
        if not isinstance(code, str) or slugify(code) != code or not code:
            raise DefinitionError(f"{where}.code", "a short code (letters, digits, -)")
        day = _int(raw.get("day"), f"{where}.day")
        start, end = _int(raw.get("from"), f"{where}.from"), _int(raw.get("to"), f"{where}.to")
        if not start <= day <= end:
            raise DefinitionError(where, "from <= day <= to")
        points.append(TimePointDef(code, str(raw.get("label") or code)[:64], day, start, end, bool(raw.get("baseline"))))
    points.sort(key=lambda p: p.day)
    if len({p.code for p in points}) != len(points):
        raise DefinitionError("recovery.schedule", "two time points share a code")
    baselines = [p for p in points if p.baseline]
    if len(baselines) != 1 or baselines[0] is not points[0]:
        raise DefinitionError("recovery.schedule", "exactly one time point is the baseline, and it comes first")
    for before, after in zip(points, points[1:], strict=False):
        if after.start_day <= before.end_day:
            raise DefinitionError("recovery.schedule", f"the windows of '{before.code}' and '{after.code}' overlap")
    return tuple(points)


def _translations(raw, items: tuple[Item, ...]) -> dict:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        raise DefinitionError("recovery.translations", "an object of languages")
    by_id = {i.link_id: i for i in items}
    out = {}
    for lang, words in raw.items():
        where = f"recovery.translations.{lang}"
        if lang not in LANGUAGES or lang == "en":
            raise DefinitionError(where, f"a language the service speaks besides English: {', '.join(LANGUAGES[1:])}")
        if not isinstance(words, dict) or not isinstance(words.get("items"), dict):
            raise DefinitionError(where, "needs 'title' and 'items'")
        entry = {"title": str(words.get("title") or ""), "items": {}}
        for link_id, item in by_id.items():
            text = words["items"].get(link_id)
            if not isinstance(text, dict) or not text.get("text"):
                raise DefinitionError(f"{where}.items.{link_id}", "the item's text is missing")
            options = text.get("options") or {}
            missing = [o.code for o in item.options if not options.get(o.code)]
            if missing:
                raise DefinitionError(f"{where}.items.{link_id}.options", f"no text for option {missing[0]}")
            entry["items"][link_id] = {"text": str(text["text"]), "options": {o.code: str(options[o.code]) for o in item.options}}
        out[lang] = entry
    return out


def _table(raw, items: tuple[Item, ...]) -> dict:
    if not isinstance(raw, dict) or not raw:
        raise DefinitionError("recovery.scoring.table", "a lookup needs its table: {raw sum: score}")
    low = int(sum(i.min_points for i in items))
    high = int(sum(i.max_points for i in items))
    table = {}
    for raw_sum in range(low, high + 1):
        value = raw.get(str(raw_sum))
        try:
            table[str(raw_sum)] = str(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            raise DefinitionError("recovery.scoring.table", f"no score for the raw sum {raw_sum} (from {low} to {high})") from None
    return table


def definition_read(document) -> Definition:
    """The instrument a loaded file describes, checked whole; a DefinitionError names the first fault."""
    if not isinstance(document, dict):
        raise DefinitionError("(file)", "a JSON object with 'questionnaire' and 'recovery'")
    questionnaire, sidecar = document.get("questionnaire"), document.get("recovery")
    if not isinstance(questionnaire, dict) or questionnaire.get("resourceType") != "Questionnaire":
        raise DefinitionError("questionnaire", "a FHIR R4 Questionnaire resource")
    if not isinstance(sidecar, dict):
        raise DefinitionError("recovery", "the service's part: scoring, mcid, schedule")
    _validate_fhir(questionnaire)
    if questionnaire.get("status") not in ("active", "draft"):
        raise DefinitionError("questionnaire.status", "'active' (or 'draft' to try it)")
    if (questionnaire.get("language") or "en") != "en":
        raise DefinitionError("questionnaire.language", "the Questionnaire's own text is English; other languages go in recovery.translations")
    for name in ("url", "version", "title"):
        if not questionnaire.get(name):
            raise DefinitionError(f"questionnaire.{name}", "required")
    items = _items(questionnaire)
    code = sidecar.get("code") or questionnaire.get("name") or ""
    if not isinstance(code, str) or not code or slugify(code) != code:
        raise DefinitionError("recovery.code", "a short code (letters, digits, -), e.g. 'recovery-status'")
    scoring = sidecar.get("scoring")
    if not isinstance(scoring, dict) or scoring.get("method") not in METHODS:
        raise DefinitionError("recovery.scoring.method", f"one of {', '.join(METHODS)}")
    higher = scoring.get("higher_is_better")
    if not isinstance(higher, bool):
        raise DefinitionError("recovery.scoring.higher_is_better", "true or false: which way is better")
    try:
        mcid = Decimal(str(sidecar.get("mcid")))
    except (InvalidOperation, ValueError):
        mcid = Decimal(0)
    if not mcid.is_finite() or mcid <= 0 or mcid >= 10000:
        raise DefinitionError("recovery.mcid", "the minimal clinically important difference: a number above 0, in the score's units")
    points = _time_points(sidecar.get("schedule"))
    improvement_by = sidecar.get("improvement_expected_by") or ""
    if improvement_by and improvement_by not in {p.code for p in points if not p.baseline}:
        raise DefinitionError("recovery.improvement_expected_by", "the code of a time point after the baseline")
    procedures = sidecar.get("procedures") or []
    from patients.choices import Procedure

    unknown = [p for p in procedures if p not in Procedure.values]
    if not isinstance(procedures, list) or unknown:
        raise DefinitionError("recovery.procedures", f"procedures among {', '.join(Procedure.values)}")
    method = scoring["method"]
    return Definition(
        code=code,
        version=str(questionnaire["version"])[:32],
        url=questionnaire["url"],
        title=str(questionnaire["title"])[:200],
        questionnaire=questionnaire,
        items=items,
        method=method,
        higher_is_better=higher,
        mcid=mcid,
        time_points=points,
        improvement_by=improvement_by,
        procedures=tuple(procedures),
        translations=_translations(sidecar.get("translations"), items),
        table=_table(scoring.get("table"), items) if method == "lookup" else {},
    )


def items_of(questionnaire: dict) -> tuple[Item, ...]:
    """The items of a stored (already checked) Questionnaire."""
    return _items(questionnaire)
