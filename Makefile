# Norec Portal — the commands the README names.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo totp test install lint format migrate worker beat serve clean bench bench-dedupe

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	@echo "Installing the pinned dependencies into $(VENV)/ (once; about a minute)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@PYTHONWARNINGS="ignore:Editable installation" \
		$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

## Compiles the translation catalogues (locale/*/LC_MESSAGES/django.po) on every run: the
## .mo files are not committed, and polib needs no GNU gettext.
install: $(STAMP)
	@$(BIN)/python manage.py compile_translations --verbosity 0

## Set up, load demo data and serve on http://127.0.0.1:$(PORT) (SQLite; a Celery worker and
## beat on a broker folder under .demo/; emails in the demo mailbox). Ctrl-C stops it all.
demo: install
	@$(BIN)/python manage.py migrate --no-input --verbosity 0
	@PORT=$(PORT) $(BIN)/python manage.py seed_demo
	@PORT=$(PORT) $(BIN)/python manage.py run_demo --port $(PORT)

## The demo staff account's current authenticator code.
totp:
	@$(BIN)/python manage.py demo_totp_code

## Set up and run the whole test suite.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/python manage.py migrate --no-input

serve: install
	$(BIN)/gunicorn norec_portal.wsgi --bind 127.0.0.1:8000 --workers 3 --timeout 120

worker: install
	$(BIN)/celery -A norec_portal worker --loglevel INFO

beat: install
	$(BIN)/celery -A norec_portal beat --loglevel INFO

## Benchmarks on PostgreSQL + Redis (bench/README.md): recreates the bench database, writes
## bench/RESULTS.md. DATABASE_URL / REDIS_URL from the environment, else these defaults.
bench: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/norec_bench}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/15}" \
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The duplicate matcher on its labelled archive (12,000 and 120,000 rows), and the labelled
## file through the historical import on the bench database (bench/README.md).
bench-dedupe: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/norec_bench}" \
	$(BIN)/python -m bench.dedupe --import-rows 12000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
