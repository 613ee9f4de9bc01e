# The two front-door commands:  make run   |   make test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test test-fast lint demo bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# install everything, then run the bot (Slack if tokens are set, else an interactive prompt on the demo)
run: $(VENV)/.installed
	$(PY) bot.py

# The suite starts many Python processes (pytest workers, the CLI and scheduler tests' bot processes): let them
# keep bytecode (__pycache__, ignored by git) even where the environment sets PYTHONDONTWRITEBYTECODE, so each
# compiles the project once, not every process every module (a worker's collection 5.0 -> 3.3 s of CPU).
test test-fast: export PYTHONDONTWRITEBYTECODE :=

# install everything, then run the whole test suite: the fast tier (no database), then the engines
# (DuckDB files and PostgreSQL on 127.0.0.1:5432) and the surfaces (Slack through its stand-in, the scheduler)
test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 tests/fast
	$(PY) -m pytest -q -n 2 --dist loadfile tests/engines tests/surfaces

# the fast tier alone: parsing, time ranges, parameters, SQL rendering, policy rules, blocks, config
test-fast: $(VENV)/.installed
	$(PY) -m pytest -q -n 2 tests/fast

demo: $(VENV)/.installed
	$(PY) bot.py demo --rebuild

# warehouse benchmark (not part of make test): demo sizes on DuckDB and PostgreSQL -> bench/RESULTS.md
bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache
