"""`manage.py seed_demo`: the synthetic demo clinics, their nurses and patients (see recovery/demo.py)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from patients.models import Patient
from recovery import demo


class ProgressBar:
    """A one-line progress bar on stderr; on a pipe or a log, a line at every tenth instead."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.interactive = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.shown = -1

    def __call__(self, done: int, total: int, records: int) -> None:
        share = done / total if total else 1.0
        step = int(share * 100) if self.interactive else int(share * 10) * 10
        if step == self.shown:
            return
        self.shown = step
        filled = int(share * self.WIDTH)
        line = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done:,}/{total:,} patients, "
            f"{records:,} daily records, {time.monotonic() - self.started:.0f} s"
        )
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Seed the demo clinics: nurses, and patients at every stage of recovery with their daily records."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=60, help="How many patients (default 60).")
        parser.add_argument(
            "--days",
            type=int,
            default=50,
            help="Mean days of history per patient (default 50): recovery days spread from 0 to 2 x DAYS - 1.",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same data (default 1).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any patient exists.")
        parser.add_argument("--force", action="store_true", help="Seed even where PUBLIC_BASE_URL is https (production).")

    def handle(self, *args, patients, days, seed, if_empty, force, **options):
        if patients < 1:
            raise CommandError("--patients: at least 1")
        if not 1 <= days <= 365:
            raise CommandError("--days: from 1 to 365")
        if if_empty and Patient.objects.exists():
            self.stdout.write("Patients exist already: the demo is not seeded again.")
            return
        if settings.HTTPS and not force:
            raise CommandError(
                "PUBLIC_BASE_URL is https, which looks like production: the demo's known passwords do not belong "
                "there. Pass --force to seed anyway."
            )

        started = time.monotonic()
        try:
            summary = demo.demo_seed(patients=patients, days=days, seed=seed, progress=ProgressBar(self.stderr._out))
        except demo.DemoAlreadySeeded as exc:
            raise CommandError(f"{exc}: seed an empty database (or pass --if-empty to skip).") from None
        from outcomes.demo import outcomes_demo_seed  # the layer above recovery: its demo part

        responses = outcomes_demo_seed(seed=seed)
        elapsed = time.monotonic() - started

        tracks = ", ".join(f"{count} {track.replace('_', ' ')}" for track, count in sorted(summary.tracks.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.patients:,} patients ({tracks}) and {summary.daily_records:,} daily records in {elapsed:.1f} s."
            )
        )
        self.stdout.write(f"Outcome questionnaire: recovery status (outcomes/instruments/recovery-status.json), {responses:,} responses.")
        self.stdout.write(f"Demo nurse: {demo.DEMO_NURSE_USERNAME} / {demo.DEMO_NURSE_PASSWORD} ({demo.DEMO_CLINIC})")
        self.stdout.write(f"Second clinic's nurse: {demo.SECOND_NURSE_USERNAME} / {demo.DEMO_NURSE_PASSWORD} ({demo.SECOND_CLINIC})")
        self.stdout.write(f"Admin: {demo.DEMO_ADMIN_USERNAME} / {demo.DEMO_ADMIN_PASSWORD}")
