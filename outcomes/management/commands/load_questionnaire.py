"""`manage.py load_questionnaire PATH`: load an instrument file (a FHIR R4 Questionnaire and its scoring,
MCID, schedule and translations; docs/outcomes.md) as the active version of its code."""

import json

from django.core.management.base import BaseCommand, CommandError

from outcomes.definition import DefinitionError
from outcomes.services import instrument_load


class Command(BaseCommand):
    help = "Load a questionnaire file (FHIR R4 Questionnaire with the service's scoring and schedule): docs/outcomes.md."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file.")

    def handle(self, *args, path, **options):
        try:
            with open(path, encoding="utf-8") as f:
                document = json.load(f)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not JSON ({exc})") from None
        try:
            instrument = instrument_load(document=document)
        except DefinitionError as exc:
            raise CommandError(f"{path}: {exc}") from None
        points = ", ".join(f"{tp.code} (days {tp.start_day} to {tp.end_day})" for tp in instrument.time_points.all())
        self.stdout.write(f"Loaded {instrument}: {instrument.scoring_method} scoring, MCID {instrument.mcid.normalize()}; {points}")
