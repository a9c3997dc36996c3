"""The grammar measured on the SMS corpus (notifications/corpus/sms_replies.jsonl) and on the composed
replies of bench/sms_generator.py: the figures `make bench-sms` reports, pinned. A change that reads a
red flag less, invents a pain or raises false red flags fails here."""

import json
from collections import Counter

import pytest

from bench.bench_sms import CORPUS, FRESH_SEED, SPLITS, corpus, evaluate
from bench.sms_generator import generate
from recovery.choices import Symptom

# (red flags read, red flags), (pains right, pains given) as measured; the tuning set and the generated
# sets meet the targets, the held-out sets are pinned where they stand (docs/sms.md gives the misses).
PINNED = {
    "tuning": ((125, 125), (62, 62)),
    "held_out": ((63, 63), (35, 37)),
    "held_out_2": ((37, 37), (15, 15)),
    "held_out_3": ((21, 22), (7, 7)),
}


@pytest.fixture(scope="module")
def figures():
    entries = corpus()
    found = {name: evaluate([e for e in entries if e["split"] == name]).summary() for name in SPLITS}
    found["generated"] = evaluate(generate(count=600, seed=11)).summary()
    found["generated_fresh"] = evaluate(generate(count=600, seed=FRESH_SEED)).summary()
    return found


def test_the_corpus_has_300_replies_or_more_in_both_languages_each_marked_with_its_set():
    entries = corpus()
    assert len(entries) >= 300
    assert {e["split"] for e in entries} == set(SPLITS)
    languages = Counter(e["language"] for e in entries)
    assert languages["en"] >= 150 and languages["es"] >= 100
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert set(entry) == {"text", "language", "split", "expected"} and "complete" in entry["expected"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_red_flag_of_the_clinical_reference_is_in_the_corpus_in_both_languages(language):
    codes = {code for e in corpus() if e["language"] == language for code in e["expected"].get("symptoms", [])}
    assert codes == {str(code) for code in Symptom}


@pytest.mark.parametrize("split", ["tuning", "held_out", "held_out_2", "held_out_3"])
def test_the_corpus_figures_hold_where_they_were_measured(figures, split):
    found = figures[split]
    (flags_read, flags), (pains_right, pains) = PINNED[split]
    assert (found["red_flags"], found["pain_given"]) == (flags, pains), "the corpus changed: measure again and pin"
    assert found["red_flags_read"] >= flags_read
    assert found["pain_right_count"] >= pains_right
    assert found["false_red_flags_per_reply"] <= 0.01
    assert found["pain_invented"] == 0


def test_the_tuning_set_meets_every_target(figures):
    found = figures["tuning"]
    assert found["red_flag_recall"] == 1.0
    assert found["false_red_flags_per_reply"] <= 0.01
    assert found["pain_right"] >= 0.98
    assert found["pain_invented"] == 0
    assert found["complete_agreement"] >= 0.98


@pytest.mark.parametrize("name", ["generated", "generated_fresh"])
def test_composed_replies_read_their_red_flags_without_false_ones_or_invented_pain(figures, name):
    found = figures[name]
    assert found["red_flag_recall"] >= 0.995  # seed 11: 370 of 371 ("pins and needels" is missed)
    assert found["false_red_flags_per_reply"] <= 0.01
    assert found["pain_right"] >= 0.98
    assert found["pain_invented"] == 0


def test_the_generator_is_fixed_by_its_seed_and_writes_both_languages():
    first, again, other = generate(count=50, seed=3), generate(count=50, seed=3), generate(count=50, seed=4)
    assert first == again and first != other
    assert {e["language"] for e in first} == {"en", "es"}
    # Of another shape than the hand-written replies: hardly any composed reply is one of them.
    composed = {e["text"].lower() for e in generate(count=600, seed=11)}
    assert len(composed & {e["text"].lower() for e in corpus()}) <= len(composed) * 0.02
