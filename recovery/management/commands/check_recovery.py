"""`manage.py check_recovery [--as-of YYYY-MM-DD]`: the sweep, at once, from the command line."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from recovery.services import Trigger, recovery_evaluate, recovery_sweep


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date of the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Judge every monitored patient now, as the periodic sweep does, and print what changed. "
        "With --as-of, each patient is judged as of that date; without it, the local days that have "
        "ended are judged first, then each patient as of today in the patient's own time zone. "
        "Running it twice for the same date raises nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, default=None, help="The date judged, YYYY-MM-DD (default: each patient's today).")
        parser.add_argument("--chunk-size", type=int, default=1000, help="Patients loaded and judged together.")

    def handle(self, *args, as_of=None, chunk_size=1000, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size: give a whole number of at least 1")
        if as_of is None:
            swept = recovery_sweep(chunk_size=chunk_size)
            self.stdout.write(f"Ended days: {swept.describe()}")
        summary = recovery_evaluate(as_of=as_of, trigger=Trigger.COMMAND, chunk_size=chunk_size)
        when = as_of.isoformat() if as_of else "each patient's today"
        self.stdout.write(f"As of {when}: {summary.describe()}")
