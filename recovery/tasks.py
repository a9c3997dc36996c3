"""Celery entry points of the recovery layer: thin doors into the services."""

from celery import shared_task

from recovery.services.evaluation import Trigger, recovery_evaluate, recovery_judge_marked, recovery_sweep


@shared_task(name="recovery.tasks.evaluate_patient_task")
def evaluate_patient_task(patient_id: int) -> None:
    """Judge one patient's fresh evidence. The evaluation mark written with the check-in stays until
    the engine has judged it, so a dropped task is caught by the sweep."""
    recovery_evaluate(patient_ids=[patient_id], trigger=Trigger.CHECKIN)


@shared_task(name="recovery.tasks.judge_marked_task")
def judge_marked_task() -> int:
    """Judge, in set-based batches, every patient whose check-in left an evaluation mark (claimed with
    SKIP LOCKED, so two batches never judge the same patients). Published at most once a second by the
    check-ins, and every 30 s by beat as the relay for a batch the broker lost."""
    return recovery_judge_marked()


@shared_task(name="recovery.tasks.sweep_task")
def sweep_task() -> None:
    """Judge every patient whose local day has ended since the last judgement."""
    recovery_sweep()
