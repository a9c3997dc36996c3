# The two commands: `make run` (the service, on an embedded default) and `make test` (the suite,
# against PostgreSQL and Redis). See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint venv migrate seed bench bench-api bench-sweep bench-quality bench-reminders bench-dashboard clean

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

migrate: $(STAMP_RUN)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

## run: the whole service on this machine (web, worker and beat), on the embedded default.
run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m config.runstack

## test: the whole suite against PostgreSQL and Redis (DATABASE_URL, REDIS_URL override them).
test: $(STAMP_DEV)
	$(PY) -m pytest $(PYTEST_ARGS)

## bench-sweep: the sweep over 20,000 patients of 60 days in a database of its own (docs/benchmarks-engine.md).
bench-sweep: $(STAMP_DEV)
	$(PY) bench/bench_sweep.py $(BENCH_ARGS)

## bench-quality: alert quality on a synthetic cohort replayed day by day (docs/alert-quality.md).
bench-quality: $(STAMP_DEV)
	$(PY) bench/alert_quality.py $(BENCH_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

clean:
	rm -rf var/db.sqlite3 var/celery var/cache staticfiles
