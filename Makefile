# factcheck: `make run` starts the app, `make test` runs every check. Both set up .venv/ first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
# mypy's Django plugin imports the settings: give it URLs so that it starts no embedded servers.
LINT_ENV := DATABASE_URL=postgres://lint@localhost/lint REDIS_URL=redis://localhost SECRET_KEY=lint-only

.PHONY: install run test lint typecheck check-imports pytest schema lock bench clean

install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(BIN)/python manage.py runstack

test: lint typecheck check-imports pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(LINT_ENV) $(BIN)/mypy .

check-imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

schema: install
	$(LINT_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

lock:
	rm -rf /tmp/factcheck-lock && $(PYTHON) -m venv /tmp/factcheck-lock
	/tmp/factcheck-lock/bin/pip install --quiet --disable-pip-version-check ".[dev]"
	( echo "# Exact versions of everything factcheck installs (runtime and development). Regenerate with"; \
	  echo "# \`make lock\` after changing the ranges in pyproject.toml."; \
	  /tmp/factcheck-lock/bin/pip freeze --exclude-editable | grep -v '^factcheck' ) > requirements.lock

bench: install
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var/test
