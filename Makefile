# The two commands: `make run` (the service, on an embedded default) and `make test` (the suite,
# against PostgreSQL and Redis). See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint venv migrate seed bench bench-api bench-sweep bench-reminders bench-dashboard clean

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

## bench-api: check-ins from many concurrent clients against gunicorn (2 workers) on PostgreSQL, beside a
## bare Django view (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_CONCURRENCY, BENCH_DURATION); see docs/api.md.
bench-api: $(STAMP_RUN)
	$(PY) bench/bench_api.py

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

clean:
	rm -rf var/db.sqlite3 var/celery var/cache staticfiles
