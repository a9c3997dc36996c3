"""Scoring, as a table: each method, complete and incomplete responses, and answers an item cannot take."""

from decimal import Decimal

import pytest

from outcomes.definition import Item, Option
from outcomes.scoring import AnswerError, score

CHOICE = tuple(Option(str(v), f"option {v}", Decimal(v)) for v in range(5))
ITEMS = (
    Item("a", "A?", "choice", True, CHOICE),
    Item("b", "B?", "choice", True, CHOICE),
    Item("c", "C?", "choice", False, CHOICE),
    Item("n", "How many?", "integer", False, min_value=0, max_value=10),
)
TABLE = {str(n): str(20 + 2.5 * n) for n in range(0, 23)}


@pytest.mark.parametrize(
    ("method", "answers", "complete", "raw", "expected"),
    [
        ("sum", {"a": "1", "b": "2"}, True, "3", "3.00"),
        ("sum", {"a": "4", "b": "4", "c": "4", "n": 10}, True, "22", "22.00"),
        # percent of the most the answered items could give: 3 of 8, not of 22.
        ("percent", {"a": "1", "b": "2"}, True, "3", "37.50"),
        ("percent", {"a": "0", "b": "0", "c": "0"}, True, "0", "0.00"),
        ("percent", {"a": "4", "b": "4", "c": "4", "n": 10}, True, "22", "100.00"),
        ("percent", {"a": "1", "b": "1", "c": "2"}, True, "4", "33.33"),
        ("lookup", {"a": "1", "b": "2"}, True, "3", "27.50"),
        ("lookup", {"a": "0", "b": "0"}, True, "0", "20.00"),
        # A required item unanswered: incomplete, a raw sum so far, no score.
        ("sum", {"a": "3"}, False, "3", None),
        ("percent", {"c": "1", "n": 2}, False, "3", None),
        ("lookup", {}, False, None, None),
    ],
)
def test_it_scores_each_method_only_once_complete(method, answers, complete, raw, expected):
    result = score(items=ITEMS, method=method, answers=answers, table=TABLE)
    assert result.complete is complete
    assert result.raw == (Decimal(raw) if raw is not None else None)
    assert result.score == (Decimal(expected) if expected is not None else None)
    if not complete:
        assert set(result.missing) <= {"a", "b"} and result.missing


@pytest.mark.parametrize(
    ("answers", "link_id"),
    [
        ({"a": "5", "b": "1"}, "a"),  # not an option
        ({"a": 1, "b": "1"}, "a"),  # a number where a code is due
        ({"a": "1", "b": "1", "n": 11}, "n"),  # out of range
        ({"a": "1", "b": "1", "n": "3"}, "n"),  # text where a number is due
        ({"a": "1", "b": "1", "n": True}, "n"),  # a boolean is not a number
        ({"a": "1", "zz": "1"}, "zz"),  # no such item
    ],
)
def test_an_answer_the_item_cannot_take_names_the_item(answers, link_id):
    with pytest.raises(AnswerError) as caught:
        score(items=ITEMS, method="sum", answers=answers)
    assert caught.value.link_id == link_id


def test_the_shipped_instrument_scores_in_percent_of_its_maximum(document):
    from outcomes.definition import definition_read

    d = definition_read(document)
    worst = {i.link_id: "4" for i in d.items}
    best = {i.link_id: "0" for i in d.items}
    assert score(items=d.items, method=d.method, answers=worst).score == Decimal(100)
    assert score(items=d.items, method=d.method, answers=best).score == Decimal(0)
    assert score(items=d.items, method=d.method, answers={**best, "rs-walk": "3", "rs-pain": "2"}).score == Decimal(25)
