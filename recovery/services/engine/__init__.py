"""The judgement engine in its parts, each with one job:

- load: plain snapshots of a chunk of patients (rows, days, alerts) in a fixed number of queries;
- reconcile: pure; findings and the alerts that stand become a plan (open, update, resolve);
- write: the plan carried out in one transaction, each kind of write in one statement.

recovery.services.evaluation puts them together (recovery_evaluate, the judging batches, the sweep).
"""
