"""Loading an instrument: the management command and the admin upload, the checks that name what is
wrong in a file, versions, and what the repository ships."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from outcomes.definition import DefinitionError, definition_read
from outcomes.models import Instrument, TimePoint

pytestmark = pytest.mark.django_db


def _write(tmp_path, document) -> str:
    path = tmp_path / "instrument.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_the_command_loads_the_questionnaire_with_its_scoring_mcid_languages_and_schedule(tmp_path, document, capsys):
    call_command("load_questionnaire", _write(tmp_path, document))
    instrument = Instrument.objects.get(code="recovery-status")
    assert (instrument.version, instrument.scoring_method, instrument.mcid, instrument.higher_is_better) == ("1", "percent", Decimal(15), False)
    assert instrument.languages == ["en", "es"]
    assert instrument.translations["es"]["items"]["rs-walk"]["options"]["4"] == "No puedo caminar sin ayuda"
    points = list(TimePoint.objects.filter(instrument=instrument).values_list("code", "start_day", "day", "end_day", "baseline"))
    assert points == [("baseline", -14, -7, 0, True), ("6w", 35, 42, 56, False), ("3m", 77, 90, 110, False),
                      ("6m", 160, 180, 210, False), ("12m", 335, 365, 395, False)]
    assert instrument.improvement_by == "3m"
    assert "Loaded Recovery status" in capsys.readouterr().out


def _spoil(document, path: str, value):
    node = document
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("questionnaire.item.0.type", "string", "questionnaire.item[0].type"),
        ("questionnaire.item.0.linkId", _DELETE, "questionnaire.item[0].linkId"),  # fhir.resources: linkId is required
        ("questionnaire.item.1.linkId", "rs-pain", "questionnaire.item[1].linkId"),
        ("questionnaire.item.0.answerOption.2.valueCoding.extension", [], "questionnaire.item[0].answerOption[2].valueCoding.extension"),
        ("questionnaire.resourceType", "Patient", "questionnaire"),
        ("questionnaire.language", "es", "questionnaire.language"),
        ("recovery.mcid", 0, "recovery.mcid"),
        ("recovery.mcid", "a lot", "recovery.mcid"),
        ("recovery.scoring.method", "average", "recovery.scoring.method"),
        ("recovery.scoring.higher_is_better", "no", "recovery.scoring.higher_is_better"),
        ("recovery.schedule.1.from", 60, "recovery.schedule[1]"),
        ("recovery.schedule.2.from", 50, "recovery.schedule"),  # overlaps 6w
        ("recovery.schedule.0.baseline", False, "recovery.schedule"),
        ("recovery.improvement_expected_by", "2y", "recovery.improvement_expected_by"),
        ("recovery.procedures", ["knee"], "recovery.procedures"),
        ("recovery.translations.es.items.rs-care", _DELETE, "recovery.translations.es.items.rs-care"),
        ("recovery.translations.fr", {"items": {}}, "recovery.translations.fr"),
    ],
)
def test_a_bad_file_is_refused_naming_the_place_at_fault(tmp_path, document, path, value, where):
    _spoil(document, path, value)
    with pytest.raises(DefinitionError) as caught:
        definition_read(document)
    assert caught.value.where == where
    with pytest.raises(CommandError, match="instrument.json: "):
        call_command("load_questionnaire", _write(tmp_path, document))
    assert not Instrument.objects.exists()


def test_the_command_says_what_is_wrong_with_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("load_questionnaire", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_questionnaire", str(tmp_path / "missing.json"))


def test_a_new_version_takes_over_and_an_answered_version_is_not_replaced(document, make_patient, answer, instrument):
    from outcomes.services import instrument_load

    patient = make_patient(surgery_days_ago=45)
    answer(patient, "baseline", [2, 2, 2, 2, 2])
    document["questionnaire"]["title"] = "Recovery status, reworded"
    with pytest.raises(DefinitionError, match="already has responses"):
        instrument_load(document=document)
    document["questionnaire"]["version"] = "2"
    second = instrument_load(document=document)
    assert list(Instrument.objects.filter(active=True)) == [second]
    instrument.refresh_from_db()
    assert instrument.active is False and instrument.responses.count() == 1


def test_a_version_nothing_has_answered_is_replaced_in_place(document, instrument):
    from outcomes.services import instrument_load

    document["recovery"]["mcid"] = 12.5
    again = instrument_load(document=document)
    assert again.pk == instrument.pk and again.mcid == Decimal("12.5")
    assert again.time_points.count() == 5


def test_a_superuser_uploads_a_questionnaire_in_the_admin(client, document, tmp_path):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    root = get_user_model().objects.create_superuser("root.admin", "root@example.org", "a-long-test-password-1")
    client.force_login(root)
    assert client.get("/admin/outcomes/instrument/").status_code == 200
    bad = dict(document, recovery={**document["recovery"], "mcid": -1})
    response = client.post("/admin/outcomes/instrument/upload/", {"file": SimpleUploadedFile("x.json", json.dumps(bad).encode())})
    assert response.status_code == 400 and "recovery.mcid" in response.content.decode()
    response = client.post("/admin/outcomes/instrument/upload/", {"file": SimpleUploadedFile("x.json", json.dumps(document).encode())})
    instrument = Instrument.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/admin/outcomes/instrument/{instrument.pk}/change/")
    assert instrument.loaded_by == root
    assert client.get(response["Location"]).status_code == 200


def test_the_repository_ships_only_the_instrument_it_wrote_itself():
    # Licensed instruments (ODI, NDI, PROMIS) are loaded by the clinic from its own copy.
    shipped = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "outcomes" / "instruments").iterdir())
    assert shipped == ["recovery-status.json"]
    text = (Path(__file__).resolve().parents[2] / "outcomes" / "instruments" / "recovery-status.json").read_text(encoding="utf-8")
    for name in ("Oswestry", "Neck Disability", "PROMIS"):
        assert name not in text
