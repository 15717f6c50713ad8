# Belezhnik: `make run` serves everything on HOST:PORT; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format migrate demo worker scheduler clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/flask --app app db upgrade

demo: migrate
	$(BIN)/flask --app app demo --if-empty

# The web server (portal, staff web, phone webhooks, simulator) and, beside it, the notification
# worker with the scheduler; Ctrl-C stops both.
run: demo
	@echo "Бележник: http://$(HOST):$(PORT)/  (staff: /staff/, phone simulator: /ivr/simulator)"
	@# on Ctrl-C or SIGTERM: stop both once (the trap clears itself first: a trap that kills its own
	@# process group re-entered itself until the shell crashed with "Segmentation fault")
	@trap 'trap "" INT TERM; trap - EXIT; kill 0 2>/dev/null; wait; exit 0' INT TERM EXIT; \
	  if $(BIN)/flask --app app notify --help >/dev/null 2>&1; then \
	    $(BIN)/flask --app app notify worker --with-scheduler & \
	  fi; \
	  $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# One worker per core (pytest-xdist), a test file per worker at a time: module fixtures are built
# once; PostgreSQL tests each use their own schema, SQLite ones their own file.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=15

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(VENV)/.installed
	$(BIN)/flask --app app notify worker

scheduler: $(VENV)/.installed
	$(BIN)/flask --app app notify scheduler

clean:
	rm -rf $(VENV) instance/belezhnik.sqlite3 .pytest_cache .ruff_cache
