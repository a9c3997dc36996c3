"""How well the SMS grammar reads replies written as patients write them, measured on these sets:

- `tuning`: hand-written replies of notifications/corpus/sms_replies.jsonl that the grammar was
  developed against;
- `held_out` ... `held_out_9`: hand-written replies, each set written and committed before the grammar
  was measured on it (`held_out` to `held_out_3` in sms_replies.jsonl, `held_out_4` to `held_out_9`
  in files of their own, frozen: tests/notifications/test_sms_corpus.py pins their digests);
- `generated`: replies composed by bench/sms_generator.py (templates, synonyms, misspellings, number
  words, fixed seed, English and Spanish), of another shape than the hand-written ones;
- `variants`: replies composed by bench/sms_variants.py, of shapes neither has (caregivers, several
  sentences, emoji, capitals, both languages in one reply, numbers that are no pain, ranges, fractions,
  temperatures in C and F, questions, other typing slips).

Each set's figures at its first measurement, before anything was changed after seeing it, are kept in
FIRST_LOOKS below and printed beside the figures now: a set looked at is no longer held out.

    python bench/bench_sms.py [--generated 600] [--seed 11] [--show-misses]

Per set (and for the hand-written held-out sets together) it prints, and writes to
bench/results/sms.json and to its own section of docs/benchmarks.md: red flags read (recall over every
expected red-flag code), false red flags per reply, pain read right among replies that give one, pain
invented (read where the reply gives none), and agreement on complete/incomplete. Targets: every red
flag read, at most 1% false red flags, pain right in at least 98%, none invented. It exits non-zero
when the held-out sets together, or a composed set, miss a target.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CORPUS_DIR = ROOT / "notifications" / "corpus"
CORPUS = CORPUS_DIR / "sms_replies.jsonl"
# Held-out sets kept in files of their own, each frozen by the commit that added it.
HELD_OUT_FILES = tuple(CORPUS_DIR / f"held_out_{n}.jsonl" for n in (4, 5, 6, 7, 8, 9))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION_START = "<!-- bench-sms: written by make bench-sms (bench/bench_sms.py) -->"
SECTION_END = "<!-- /bench-sms -->"

TARGETS = {"red_flag_recall": 1.0, "false_red_flags_per_reply": 0.01, "pain_right": 0.98, "pain_invented": 0}
VALUE_FIELDS = ("walking_minutes", "steps", "opioid_use")


@dataclass
class Figures:
    replies: int = 0
    red_flags: int = 0
    red_flags_read: int = 0
    false_red_flags: int = 0
    pain_given: int = 0
    pain_right: int = 0
    pain_invented: int = 0
    complete_agree: int = 0
    values_given: int = 0
    values_right: int = 0
    # Replies with a red flag not read, and of those the ones left for a nurse to read (complete False:
    # they reach the nurses' unread messages, so the red flag is late, not lost).
    missed_replies: int = 0
    missed_for_nurse: int = 0
    misses: list = field(default_factory=list)

    def add(self, entry: dict, reading) -> None:
        expected = entry["expected"]
        read = reading.fields
        self.replies += 1
        want = set(expected.get("symptoms", []))
        got = set(read.get("symptoms", []))
        self.red_flags += len(want)
        self.red_flags_read += len(want & got)
        self.false_red_flags += len(got - want)
        wrong = []
        if want - got:
            wrong.append(f"missed {sorted(want - got)}")
            self.missed_replies += 1
            self.missed_for_nurse += not reading.complete
        if got - want:
            wrong.append(f"false {sorted(got - want)}")
        if "pain" in expected:
            self.pain_given += 1
            if read.get("pain") == expected["pain"]:
                self.pain_right += 1
            else:
                wrong.append(f"pain {read.get('pain')} (want {expected['pain']})")
        elif "pain" in read:
            self.pain_invented += 1
            wrong.append(f"pain {read['pain']} invented")
        for name in VALUE_FIELDS:
            if name in expected or name in read:
                self.values_given += 1
                if read.get(name) == expected.get(name):
                    self.values_right += 1
                else:
                    wrong.append(f"{name} {read.get(name)} (want {expected.get(name)})")
        if reading.complete == expected["complete"]:
            self.complete_agree += 1
        else:
            wrong.append(f"complete {reading.complete} (want {expected['complete']})")
        if wrong:
            self.misses.append((entry["text"], "; ".join(wrong)))

    def summary(self) -> dict:
        def share(part, whole):
            return round(part / whole, 4) if whole else None

        return {
            "replies": self.replies,
            "red_flags": self.red_flags,
            "red_flags_read": self.red_flags_read,
            "red_flag_recall": share(self.red_flags_read, self.red_flags),
            "false_red_flags": self.false_red_flags,
            "false_red_flags_per_reply": share(self.false_red_flags, self.replies),
            "pain_given": self.pain_given,
            "pain_right_count": self.pain_right,
            "pain_right": share(self.pain_right, self.pain_given),
            "pain_invented": self.pain_invented,
            "values_given": self.values_given,
            "values_right": share(self.values_right, self.values_given),
            "complete_agreement": share(self.complete_agree, self.replies),
            "missed_replies": self.missed_replies,
            "missed_for_nurse": self.missed_for_nurse,
        }


def corpus() -> list[dict]:
    return [json.loads(line) for path in (CORPUS, *HELD_OUT_FILES) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(entries: list[dict]) -> Figures:
    from notifications.grammar import sms_read

    figures = Figures()
    for entry in entries:
        figures.add(entry, sms_read(entry["text"]))
    return figures


SPLITS = ("tuning", "held_out", "held_out_2", "held_out_3", "held_out_4", "held_out_5", "held_out_6", "held_out_7", "held_out_8",
          "held_out_9")
HELD_OUT_ALL = "held-out, all nine"
FRESH_SEED = 47
# bench/sms_variants.py: seed 101 was looked at once (and the grammar changed after it), seed 202 only
# after the last change.
VARIANT_SEEDS = (101, 202)

# Each set at its first measurement, before any change made after seeing it: (set, when and on what,
# replies, red flags read, red flags, false red flags, pains right, pains given, pains invented, replies
# with a red flag missed, of those left for a nurse (complete False); None where not recorded).
FIRST_LOOKS = [
    ("held_out", "2026-12-01, the first grammar", 130, 62, 63, 0, 35, 37, 0, None, None),
    ("generated, seed 11", "2026-12-01, the same grammar", 600, 346, 371, 0, 169, 169, 0, None, None),
    ("held_out_2", "2026-12-01, after misspelling and number-word corrections", 70, 36, 37, 0, 13, 15, 0, None, None),
    ("generated, seed 29", "2026-12-01, the same grammar", 600, 403, 403, 0, 172, 174, 0, None, None),
    ("held_out_3", "2026-12-01, after the fixes those showed", 41, 21, 22, 0, 7, 7, 0, None, None),
    ("generated, seed 47", "2026-12-01, after the last of those fixes", 600, 384, 384, 0, 179, 179, 0, None, None),
    ("held_out_4", "2026-12-02, grammar of commit 7f06624", 216, 102, 150, 4, 37, 45, 2, 48, 46),
    ("variants, seed 101", "2026-12-02, grammar of commit 7f06624", 600, 278, 304, 59, 218, 324, 5, 26, 26),
    ("held_out_5", "2026-12-02, grammar of commit ac0b0be, after the fixes those two showed", 71, 28, 50, 3, 16, 18, 0, 22, 22),
    ("variants, seed 202", "2026-12-02, grammar of commit ac0b0be", 600, 280, 283, 0, 305, 310, 0, 3, 3),
    ("held_out_6", "2026-12-02, grammar of commit 1cde67d, after the fixes held_out_5 showed", 61, 29, 41, 3, 16, 17, 0, 12, 12),
    ("held_out_7", "2026-12-02, grammar of commit bafc363, after the fixes held_out_6 showed", 50, 20, 35, 1, 15, 16, 0, 15, 15),
    ("held_out_8", "2026-12-02, grammar of commit a5c70f5, after the fixes held_out_7 showed", 50, 21, 25, 2, 18, 18, 0, 4, 4),
    ("held_out_9", "2026-12-02, grammar of commit 9175c66 (the last change), after the fixes held_out_8 showed", 50, 27, 30, 1, 15, 15, 0, 3, 3),
]


def measure(*, generated: int = 600, seed: int = 11) -> dict[str, Figures]:
    from bench import sms_generator, sms_variants

    entries = corpus()
    sets = {name: evaluate([e for e in entries if e["split"] == name]) for name in SPLITS}
    sets[HELD_OUT_ALL] = evaluate([e for e in entries if e["split"].startswith("held_out")])
    sets[f"generated (seed {seed})"] = evaluate(sms_generator.generate(count=generated, seed=seed))
    if seed != FRESH_SEED:
        sets[f"generated (seed {FRESH_SEED})"] = evaluate(sms_generator.generate(count=generated, seed=FRESH_SEED))
    for variant_seed in VARIANT_SEEDS:
        sets[f"variants (seed {variant_seed})"] = evaluate(sms_variants.generate(count=generated, seed=variant_seed))
    return sets


def met(summary: dict) -> dict[str, bool]:
    return {
        "red_flag_recall": summary["red_flag_recall"] is not None and summary["red_flag_recall"] >= TARGETS["red_flag_recall"],
        "false_red_flags_per_reply": summary["false_red_flags_per_reply"] <= TARGETS["false_red_flags_per_reply"],
        "pain_right": summary["pain_right"] is not None and summary["pain_right"] >= TARGETS["pain_right"],
        "pain_invented": summary["pain_invented"] <= TARGETS["pain_invented"],
    }


def _percent(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def table(results: dict[str, dict]) -> list[str]:
    rows = [
        "| set | replies | red flags read | false red flags (per reply) | pain right (of replies giving one) | pain invented | walking, steps, opioids right | complete/incomplete agree | replies missing a red flag: left for a nurse |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in results.items():
        ok = met(s)
        mark = {True: "", False: " **(missed)**"}
        rows.append(
            f"| {name} | {s['replies']} | {s['red_flags_read']} of {s['red_flags']} ({_percent(s['red_flag_recall'])}){mark[ok['red_flag_recall']]} "
            f"| {s['false_red_flags']} ({_percent(s['false_red_flags_per_reply'])}){mark[ok['false_red_flags_per_reply']]} "
            f"| {s['pain_right_count']} of {s['pain_given']} ({_percent(s['pain_right'])}){mark[ok['pain_right']]} "
            f"| {s['pain_invented']}{mark[ok['pain_invented']]} | {_percent(s['values_right'])} | {_percent(s['complete_agreement'])} "
            f"| {s['missed_for_nurse']} of {s['missed_replies']} |"
        )
    return rows


def first_look_table() -> list[str]:
    rows = [
        "| set | first measured | replies | red flags read | false red flags (per reply) | pain right | pain invented | replies missing a red flag: left for a nurse |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, when, replies, read, flags, false, right, given, invented, missed, for_nurse in FIRST_LOOKS:
        s = {"red_flag_recall": read / flags, "false_red_flags_per_reply": false / replies, "pain_right": right / given,
             "pain_invented": invented}
        ok = met(s)
        mark = {True: "", False: " **(missed)**"}
        rows.append(
            f"| {name} | {when} | {replies} | {read} of {flags} ({_percent(s['red_flag_recall'])}){mark[ok['red_flag_recall']]} "
            f"| {false} ({_percent(s['false_red_flags_per_reply'])}){mark[ok['false_red_flags_per_reply']]} "
            f"| {right} of {given} ({_percent(s['pain_right'])}){mark[ok['pain_right']]} | {invented}{mark[ok['pain_invented']]} "
            f"| {'-' if missed is None else f'{for_nurse} of {missed}'} |"
        )
    return rows


def write_doc(rows: list[str], *, date: str, generated: int, seed: int) -> None:
    section = [
        SECTION_START,
        "## SMS understanding (`make bench-sms`)",
        "",
        f"Measured {date} UTC on the hand-written corpus of notifications/corpus/ (English and Spanish) and on",
        f"composed replies ({generated} a set: `generated` by bench/sms_generator.py, `variants` by bench/sms_variants.py,",
        "with caregivers, several sentences, emoji, capitals, both languages at once, numbers that are no pain, ranges,",
        "fractions, C and F, questions). Each held-out set was written and committed before the grammar was run on it;",
        "after its first look the grammar was changed on what it showed, so the table \"now\" measures sets the grammar",
        "has seen (every set in it has been looked at). The honest measure of text the grammar has not seen is the",
        "second table, each set at its first look. Targets: every red flag read, at most 1% false red flags a reply,",
        "pain right in at least 98% of the replies that give one, none invented; a miss is marked **(missed)**. The",
        "last column counts the replies whose red flag was not read and, of those, how many the grammar marked",
        "incomplete, which puts them in front of a nurse as unread messages (late, not lost). What the grammar",
        "reads: docs/sms.md.",
        "",
        "Now:",
        "",
        *rows,
        "",
        "Each set at its first measurement, before any change made after seeing it:",
        "",
        *first_look_table(),
        SECTION_END,
    ]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1]
        text = before + "\n".join(section) + after
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(section) + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=600, help="how many replies the generator composes")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show-misses", action="store_true", help="print each reply read otherwise than expected")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md as it is")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import datetime

    import django

    django.setup()
    from bench.common import write_result

    figures = measure(generated=args.generated, seed=args.seed)
    results = {name: f.summary() for name, f in figures.items()}
    rows = table(results)
    print("\n".join(rows))
    if args.show_misses:
        for name, f in figures.items():
            print(f"\n{name}: {len(f.misses)} replies read otherwise than expected")
            for text, why in f.misses:
                print(f"  {text!r}: {why}")
    held = results[HELD_OUT_ALL]
    ok = met(held)
    composed_ok = all(all(met(s).values()) for name, s in results.items() if name.startswith(("generated", "variants")))
    write_result(
        "sms",
        [
            {"figure": "held-out red flags read", "value": f"{held['red_flags_read']} of {held['red_flags']}", "unit": "",
             "target": "every one", "met": ok["red_flag_recall"]},
            {"figure": "held-out false red flags a reply", "value": round(held["false_red_flags_per_reply"] * 100, 1), "unit": "%",
             "target": "<= 1", "met": ok["false_red_flags_per_reply"]},
            {"figure": "held-out pain right (replies giving one)", "value": round((held["pain_right"] or 0) * 100, 1), "unit": "%",
             "target": ">= 98", "met": ok["pain_right"]},
            {"figure": "held-out pain invented", "value": held["pain_invented"], "unit": "replies", "target": "0", "met": ok["pain_invented"]},
        ],
        {"sets": results, "generated": args.generated, "seed": args.seed},
    )
    if not args.no_doc:
        date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
        write_doc(rows, date=date, generated=args.generated, seed=args.seed)
        print(f"written {DOC.relative_to(ROOT)}")
    return 0 if all(ok.values()) and composed_ok else 1


if __name__ == "__main__":
    sys.exit(main())
