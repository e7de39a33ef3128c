# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app

.PHONY: run test test-sqlite test-postgres sysdeps venv db demo bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

db: venv
	$(FLASK) db-upgrade

demo: db
	$(FLASK) seed --demo --if-empty

run: demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# System packages the tests need: CJK fonts and HarfBuzz subsetting for WeasyPrint, Chromium for Playwright.
sysdeps:
	sh .ci/sysdeps.sh

# The whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (as .ci/run does).
test: venv sysdeps
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/python -m pytest; \
	fi

bench: venv
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance/app.sqlite3 tests/screenshots .pytest_cache
