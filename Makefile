# factcheck: `make run` starts the app, `make test` runs every check. Both set up .venv/ first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
# mypy's Django plugin imports the settings: give it URLs so that it starts no embedded servers.
LINT_ENV := DATABASE_URL=postgres://lint@localhost/lint REDIS_URL=redis://localhost SECRET_KEY=lint-only

.PHONY: install frontend chromium run test lint typecheck check-imports frontend-test pytest schema lock bench clean

install: $(STAMP)

# The browser code: npm ci when the lock file changes, a Vite build when a source changes (into frontend/dist).
NPM_STAMP := frontend/node_modules/.installed-$(shell cksum < frontend/package-lock.json | cut -d' ' -f1)
FRONTEND_SOURCES := $(wildcard frontend/src/*.ts) frontend/package.json frontend/vite.config.ts frontend/tsconfig.json

frontend: frontend/dist/workspace.js

$(NPM_STAMP): frontend/package-lock.json
	@command -v npm >/dev/null || { echo "make: the browser code needs Node.js 20.19+ with npm (not found)"; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
	  || { echo "make: the browser code needs Node.js 20.19+ (Vite 8); found $$(node --version)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/workspace.js: $(NPM_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent

# The browser tests drive Debian's Chromium (Playwright's own download is not used); install it when missing.
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests (apt-get, about a minute)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

run: install frontend
	$(BIN)/python manage.py runstack

test: lint typecheck check-imports frontend-test pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(LINT_ENV) $(BIN)/mypy .

check-imports: install
	$(BIN)/lint-imports

frontend-test: frontend
	cd frontend && npm test --silent

pytest: install frontend chromium
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
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var/test frontend/node_modules frontend/dist
