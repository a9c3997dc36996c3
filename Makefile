# The two commands: `make run` (the service, on an embedded default) and `make test` (the suite,
# against PostgreSQL and Redis). See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint venv migrate seed messages compilemessages bench bench-seed bench-api bench-sweep bench-quality bench-reminders bench-dashboard bench-mixed bench-sms bench-urgent clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

venv: $(STAMP_RUN)

## The translation catalogues: each .mo is compiled from its .po by Babel (pure Python, no GNU gettext),
## at install, by make run and make test alike; .mo files are not committed (docs/translations.md).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP_RUN)
	$(PY) -m config.catalogues

compilemessages: $(STAMP_RUN)
	$(PY) -m config.catalogues --force

## messages: the catalogues brought up to date with the code and templates (new texts added empty,
## changed ones marked fuzzy, removed ones kept as obsolete); needs GNU gettext (xgettext, msgmerge).
## Add a language with `make messages LANGUAGE=xx`.
MESSAGES_LANGUAGES = $(if $(LANGUAGE),$(LANGUAGE),$(notdir $(patsubst %/LC_MESSAGES/,%,$(dir $(PO_FILES)))))
messages: $(STAMP_RUN)
	$(PY) manage.py makemessages $(addprefix -l ,$(MESSAGES_LANGUAGES)) --no-location \
		--ignore=tests --ignore=bench --ignore=staticfiles --ignore=var --ignore=docs
	@# Without the date of the run: two branches that update the catalogues then do not conflict on it.
	sed -i '/^"POT-Creation-Date: /d' locale/*/LC_MESSAGES/django.po
	$(PY) -m config.catalogues

migrate: $(STAMP_RUN)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

## run: the whole service on this machine (web, worker and beat), on the embedded default.
## --prepare migrates, seeds the demo (where there are no patients), runs check_recovery (where the
## command exists) and collects static files first, in one process.
run: $(STAMP_RUN) $(MO_FILES)
	$(PY) -m config.runstack --prepare

## test: the whole suite against PostgreSQL and Redis (DATABASE_URL, REDIS_URL override them).
test: $(STAMP_DEV) $(MO_FILES)
	$(PY) -m pytest $(PYTEST_ARGS)

## bench-sweep: the sweep over 20,000 patients of 60 days in a database of its own (docs/benchmarks-engine.md).
bench-sweep: $(STAMP_DEV)
	$(PY) bench/bench_sweep.py $(BENCH_ARGS)

## bench-quality: alert quality on the held-out synthetic cohorts replayed day by day through the real check-in path and sweep, beside the targets (docs/alert-quality.md); BENCH_ARGS="--role tuning ..." for others.
bench-quality: $(STAMP_DEV)
	$(PY) bench/alert_quality.py $(or $(BENCH_ARGS),--role held_out --patients-per-cohort 42)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

## bench: every benchmark, one after the other; each writes its figures into docs/ and bench/results/.
bench: bench-seed bench-api bench-sweep bench-quality bench-reminders bench-dashboard bench-mixed bench-urgent
	-$(MAKE) --no-print-directory bench-sms
	$(PY) bench/report.py

bench-seed: $(STAMP_RUN)
	$(PY) bench/seed_demo.py

## bench-reminders: 10,000 reminders due at once, 2 workers, to a local Twilio stand-in (docs/sms.md).
bench-reminders: $(STAMP_DEV)
	$(PY) bench/bench_reminders.py $(BENCH_ARGS)

## bench-sms: how well SMS replies are read, on the corpus (tuning and held-out sets) and on composed
## replies (docs/sms.md); its figures go to their own section of docs/benchmarks.md. No database needed.
## It exits 1 while a target is missed; `make bench` notes that and goes on to the benchmarks after it.
bench-sms: $(STAMP_RUN)
	$(PY) bench/bench_sms.py $(BENCH_ARGS)

## bench-dashboard: server time of the worklist of a 5,000-patient clinic and of a patient's page (PostgreSQL, own database).
bench-dashboard: $(STAMP_RUN)
	$(PY) bench/bench_dashboard.py

## bench-api: check-ins from many concurrent clients against gunicorn (2 workers) on PostgreSQL, beside a
## bare Django view (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_CONCURRENCY, BENCH_DURATION); see docs/api.md.
bench-api: $(STAMP_RUN)
	$(PY) bench/bench_api.py

## bench-mixed: patients checking in and nurses browsing for 60 s (BENCH_DURATION) against gunicorn (2 workers),
## PostgreSQL (recovery_bench_mixed) and a Celery worker on Redis db 8; no error allowed (bench/results/mixed.json).
bench-mixed: $(STAMP_RUN)
	$(PY) bench/bench_mixed.py

## bench-urgent: routine check-ins at full rate (BENCH_CONCURRENCY clients, BENCH_DURATION 60 s) and a red flag every
## 2 s (BENCH_URGENT_EVERY), on gunicorn, the Celery processes config/runstack.py starts, PostgreSQL
## (recovery_bench_urgent), Redis db 4 and a Twilio stand-in: check-in to page p50/p99/max and the judging backlog.
bench-urgent: $(STAMP_RUN)
	$(PY) bench/bench_urgent.py

clean:
	rm -rf var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm var/celery var/cache staticfiles
