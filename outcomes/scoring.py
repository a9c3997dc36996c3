"""Scoring a response, pure: the items, the method and the answers in; whether it is complete and its
score out. The server scores; nothing a client sends as a score is taken."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from outcomes.definition import Item

TWO_PLACES = Decimal("0.01")


class AnswerError(ValueError):
    """An answer the item cannot take: names the item (its linkId)."""

    def __init__(self, link_id: str, message: str):
        super().__init__(f"{link_id}: {message}")
        self.link_id = link_id
        self.message = message


@dataclass(frozen=True)
class Scored:
    complete: bool
    raw: Decimal | None  # the sum of the answered items' values
    score: Decimal | None  # only once complete
    missing: tuple[str, ...]  # required items not answered


def answer_check(item: Item, answer) -> None:
    """An AnswerError unless `answer` is one of the item's option codes, or a whole number in its range."""
    if item.type == "choice":
        if not isinstance(answer, str) or answer not in {o.code for o in item.options}:
            codes = ", ".join(o.code for o in item.options)
            raise AnswerError(item.link_id, f"not one of the item's options ({codes})")
        return
    if not isinstance(answer, int) or isinstance(answer, bool) or not item.min_value <= answer <= item.max_value:
        raise AnswerError(item.link_id, f"a whole number from {item.min_value} to {item.max_value}")


def score(*, items: tuple[Item, ...], method: str, answers: dict, table: dict | None = None) -> Scored:
    """1. Check each answer against its item (an unknown linkId is an AnswerError too).
    2. Complete when every required item is answered; the raw score sums the answered items' values.
    3. The score, once complete: `sum` the raw score; `percent` the raw score over the most the
       answered items could give (their highest values), times 100; `lookup` the table's value of the
       raw sum (a raw sum with decimals is rounded half up first).
    """
    by_id = {i.link_id: i for i in items}
    for link_id, answer in answers.items():
        item = by_id.get(link_id)
        if item is None:
            raise AnswerError(link_id, "no such item in this questionnaire")
        answer_check(item, answer)
    answered = [by_id[k] for k in answers]
    missing = tuple(i.link_id for i in items if i.required and i.link_id not in answers)
    raw = sum((i.value_of(answers[i.link_id]) for i in answered), Decimal(0)) if answered else None
    complete = not missing and bool(answered)
    if not complete:
        return Scored(False, raw, None, missing)
    if method == "sum":
        value = raw
    elif method == "percent":
        most = sum((i.max_points for i in answered), Decimal(0))
        value = raw * 100 / most if most else Decimal(0)
    elif method == "lookup":
        key = str(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        value = Decimal((table or {})[key])
    else:
        raise ValueError(f"unknown scoring method {method}")
    return Scored(True, raw, value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), ())
