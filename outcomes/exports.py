"""The questionnaire responses in the patient's record CSV: registered with recovery's export at start-up
(outcomes.apps), so the staff API's and the dashboard's exports both carry the scores."""

from outcomes.selectors import patient_score_rows

SCORE_COLUMNS = ["instrument", "time_point", "score"]


def record_with_scores(*, header: list[str], rows, patient) -> tuple[list[str], object]:
    """The patient record's CSV with the questionnaire responses after its rows: three columns more
    (instrument, time point, score; empty on the other rows), and one row per response (section
    `questionnaire`, status `completed` or `in-progress`, channel, and the instrument's title as text)."""
    width = len(header)
    index = {name: n for n, name in enumerate(header)}

    def chained():
        for row in rows:
            yield [*row, None, None, None]
        tz = patient.tz
        for r in patient_score_rows(patient=patient):
            row = [None] * width
            row[index["section"]] = "questionnaire"
            row[index["date"]], row[index["recovery_day"]] = r["date"], r["recovery_day"]
            row[index["at"]] = r["at"].astimezone(tz)
            row[index["channel"]], row[index["status"]], row[index["text"]] = r["channel"], r["status"], r["text"]
            yield [*row, r["instrument"], r["time_point"], r["score"]]

    return [*header, *SCORE_COLUMNS], chained()
