"""The grammar measured on the SMS corpus (notifications/corpus/) and on the composed replies of
bench/sms_generator.py and bench/sms_variants.py: the figures `make bench-sms` reports, pinned. A
change that reads a red flag less, invents a pain or raises false red flags fails here; so does a
held-out set edited after it was frozen, or one added without its first look."""

import hashlib
import json
from collections import Counter

import pytest

from bench import sms_variants
from bench.bench_sms import (
    CORPUS,
    FIRST_LOOKS,
    FRESH_SEED,
    HELD_OUT_ALL,
    HELD_OUT_FILES,
    SPLITS,
    VARIANT_SEEDS,
    corpus,
    evaluate,
    measure,
)
from bench.sms_generator import generate
from recovery.choices import Symptom

# (red flags read, red flags), (pains right, pains given) as measured now; every set has been looked at
# (docs/benchmarks.md keeps each one's first look). The misses left: docs/sms.md.
PINNED = {
    "tuning": ((125, 125), (62, 62)),
    "held_out": ((63, 63), (36, 37)),
    "held_out_2": ((37, 37), (15, 15)),
    "held_out_3": ((22, 22), (7, 7)),
    "held_out_4": ((150, 150), (45, 45)),
    "held_out_5": ((47, 50), (17, 18)),
    "held_out_6": ((40, 41), (17, 17)),
    "held_out_7": ((33, 35), (15, 16)),
    "held_out_8": ((25, 25), (18, 18)),
    # Measured once, on the grammar as delivered: what it reads has not been changed since.
    "held_out_9": ((27, 30), (15, 15)),
    HELD_OUT_ALL: ((444, 453), (185, 188)),
}
# False red flags as measured (0 elsewhere): 2 of 71 replies in held_out_5, 1 of 50 in held_out_9,
# over the 1% target; docs/sms.md gives them.
FALSE_RED_FLAGS = {"held_out_5": 2, "held_out_9": 1, HELD_OUT_ALL: 3}
# Each held-out file as committed, before the grammar was run on it: it is never edited afterwards (a
# set changed after its first look would no longer measure what its first look measured).
FROZEN = {
    "held_out_4.jsonl": "186f26843ab5d9c16b08d1607245253fdc1a8e67d400a55749ddfe7c51eedfd3",
    "held_out_5.jsonl": "0b45fbca84b1ef0d656460ba9280ffb462cbd121fa8631869e68077635caa4b1",
    "held_out_6.jsonl": "be616b3eb35528ccf2c6930aa8f617c33e26729795e49952f34f9283d0d482e2",
    "held_out_7.jsonl": "8b6bea7fa942a82c3872e635c82c6dc1b85cf124248007de75d3c193d8127a19",
    "held_out_8.jsonl": "c9f4f86b183d93dff50c2be24d6a542d81d5180fc0abbd69a0ad0149d5f23328",
    "held_out_9.jsonl": "5288fae42c3a85bdbc57b6ebf421a08ae1f44a0f192d4a400045ad229cbd191e",
}


@pytest.fixture(scope="module")
def figures():
    return {name: f.summary() for name, f in measure().items()}


def test_the_corpus_has_300_replies_or_more_in_both_languages_each_marked_with_its_set():
    entries = corpus()
    assert len(entries) >= 300
    assert {e["split"] for e in entries} == set(SPLITS)
    languages = Counter(e["language"] for e in entries)
    assert languages["en"] >= 150 and languages["es"] >= 100
    for path in (CORPUS, *HELD_OUT_FILES):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            assert set(entry) == {"text", "language", "split", "expected"} and "complete" in entry["expected"]
            assert set(entry["expected"]) <= {"pain", "walking_minutes", "steps", "opioid_use", "symptoms", "complete"}
            assert set(entry["expected"].get("symptoms", [])) <= {str(code) for code in Symptom}


def test_the_held_out_files_are_as_they_were_frozen():
    assert {path.name for path in HELD_OUT_FILES} == set(FROZEN)
    for path in HELD_OUT_FILES:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == FROZEN[path.name], f"{path.name} changed after it was frozen"
        # One set a file, named by it.
        assert {json.loads(line)["split"] for line in path.read_text(encoding="utf-8").splitlines()} == {path.stem}


def test_the_fourth_held_out_set_has_150_hand_written_replies_from_every_red_flag_in_both_languages():
    entries = [e for e in corpus() if e["split"] == "held_out_4"]
    assert len(entries) >= 150
    for language in ("en", "es"):
        codes = {code for e in entries if e["language"] == language for code in e["expected"].get("symptoms", [])}
        assert codes == {str(code) for code in Symptom}


def test_every_held_out_set_and_composed_seed_has_its_first_look_recorded():
    looked = {name for name, *_ in FIRST_LOOKS}
    assert {split for split in SPLITS if split.startswith("held_out")} <= looked
    assert {f"variants, seed {seed}" for seed in VARIANT_SEEDS} <= looked
    for name, _when, replies, read, flags, false, right, given, invented, missed, for_nurse in FIRST_LOOKS:
        assert 0 <= read <= flags and 0 <= right <= given and false >= 0 and invented >= 0
        if name.startswith("held_out"):
            # The first look counted the set as it is now (the files are frozen, sms_replies.jsonl's sets too).
            assert replies == len([e for e in corpus() if e["split"] == name])
            assert flags == sum(len(e["expected"].get("symptoms", [])) for e in corpus() if e["split"] == name)
        assert missed is None or 0 <= for_nurse <= missed


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_red_flag_of_the_clinical_reference_is_in_the_corpus_in_both_languages(language):
    codes = {code for e in corpus() if e["language"] == language for code in e["expected"].get("symptoms", [])}
    assert codes == {str(code) for code in Symptom}


@pytest.mark.parametrize("split", list(PINNED))
def test_the_corpus_figures_hold_where_they_were_measured(figures, split):
    found = figures[split]
    (flags_read, flags), (pains_right, pains) = PINNED[split]
    assert (found["red_flags"], found["pain_given"]) == (flags, pains), "the corpus changed: measure again and pin"
    assert found["red_flags_read"] >= flags_read
    assert found["pain_right_count"] >= pains_right
    assert found["false_red_flags"] <= FALSE_RED_FLAGS.get(split, 0)
    assert found["pain_invented"] == 0


def test_every_reply_whose_red_flag_is_missed_is_left_for_a_nurse(figures):
    # Marked incomplete, such a reply goes to the nurses' unread messages: the red flag is late, not lost.
    for name, found in figures.items():
        assert found["missed_for_nurse"] == found["missed_replies"], name


def test_the_tuning_set_meets_every_target(figures):
    found = figures["tuning"]
    assert found["red_flag_recall"] == 1.0
    assert found["false_red_flags_per_reply"] <= 0.01
    assert found["pain_right"] >= 0.98
    assert found["pain_invented"] == 0
    assert found["complete_agreement"] >= 0.98


@pytest.mark.parametrize(
    "name", ["generated (seed 11)", f"generated (seed {FRESH_SEED})", *(f"variants (seed {seed})" for seed in VARIANT_SEEDS)]
)
def test_composed_replies_meet_every_target(figures, name):
    found = figures[name]
    assert found["red_flag_recall"] == 1.0
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


def test_the_variants_are_fixed_by_their_seed_and_have_the_shapes_they_are_for():
    first, again = sms_variants.generate(count=50, seed=3), sms_variants.generate(count=50, seed=3)
    assert first == again and first != sms_variants.generate(count=50, seed=4)
    texts = [e["text"] for e in sms_variants.generate(count=600, seed=VARIANT_SEEDS[0])]
    shapes = {
        "caregivers": [t for t in texts if any(w in t.lower() for w in ("my mom", "my husband", "mi esposo", "mi mama"))],
        "emoji": [t for t in texts if any(ord(ch) > 0x2000 for ch in t)],
        "capitals": [t for t in texts if t.isupper()],
        "questions": [t for t in texts if "?" in t],
        "ranges": [t for t in texts if "between" in t or "entre" in t or "-" in t],
        "fractions": [t for t in texts if ".5" in t or ",5" in t],
        "clock times": [t for t in texts if " at 7 pm" in t or "a las" in t],
        "Celsius": [t for t in texts if any(form in t.lower() for form in ("°c", " celsius", "c ", "grados"))],
        "Fahrenheit": [t for t in texts if any(form in t.lower() for form in ("°f", " fahrenheit", "f ", " degrees"))],
        "no longer": [t for t in texts if "anymore" in t or "pero ya no" in t],
        "several sentences": [t for t in texts if t.count(". ") >= 2],
    }
    assert all(len(found) >= 5 for found in shapes.values()), {k: len(v) for k, v in shapes.items()}
    corpus_texts = {e["text"].lower() for e in corpus()}
    assert sum(t.lower() in corpus_texts for t in texts) <= len(texts) * 0.02


def test_reading_a_composed_reply_takes_milliseconds():
    import time

    entries = sms_variants.generate(count=200, seed=VARIANT_SEEDS[1])
    evaluate(entries[:5])
    started = time.process_time()
    evaluate(entries)
    assert (time.process_time() - started) / len(entries) < 0.02
