# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app

.PHONY: run serve consumer test test-sqlite test-postgres sysdeps venv db demo bench bench-import bench-export bench-province bench-hours vendor clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

db: venv
	$(FLASK) db-upgrade

demo: db
	$(FLASK) seed --demo --if-empty

# The background job worker (exports, imports) runs next to the server and ends with it: Ctrl-C or any exit
# of the server stops it (a background process of a script ignores Ctrl-C, so the trap sends it SIGTERM).
WITH_WORKER = $(FLASK) jobs-worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM;

run: demo
	@$(WITH_WORKER) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: gunicorn on PostgreSQL, migrated first. BIND and WORKERS (sync workers) from the environment;
# --forwarded-allow-ips stays gunicorn's default (only a proxy on 127.0.0.1 is trusted for X-Forwarded-*; a proxy
# on another host is trusted through PROXY_FIX_*, deploy/README.md). SECRET_KEY is required: every server of an
# installation (and every restart) must sign sessions with the same key. JOBS_CONSUMER=separate serves the app
# alone, the job consumer running as its own process (`make consumer`, deploy/jxjy-consumer.service); otherwise
# the consumer runs next to gunicorn, as on one machine. MIGRATE=0 skips the migration (N servers: run it once).
BIND    ?= 127.0.0.1:8000
WORKERS ?= 4
MIGRATE ?= 1
define NEED_PRODUCTION_ENV
	@case "$$DATABASE_URL" in postgresql*) ;; *) echo "set DATABASE_URL=postgresql://..." >&2; exit 2;; esac
	@[ -n "$$SECRET_KEY" ] || { echo "set SECRET_KEY (e.g. \$$(python3 -c 'import secrets; print(secrets.token_hex(32))')), the same on every server: sessions are signed with it" >&2; exit 2; }
endef
serve: venv
	$(NEED_PRODUCTION_ENV)
	@[ "$(MIGRATE)" = 0 ] || $(FLASK) db-upgrade
	@if [ "$$JOBS_CONSUMER" = separate ]; then \
		exec $(BIN)/gunicorn --bind $(BIND) --workers $(WORKERS) --access-logfile - "app:create_app()"; \
	else \
		$(WITH_WORKER) $(BIN)/gunicorn --bind $(BIND) --workers $(WORKERS) --access-logfile - "app:create_app()"; \
	fi

# The job consumer alone (exports, imports), for JOBS_CONSUMER=separate: one per installation is enough, more
# share the queue (Redis or PostgreSQL).
consumer: venv
	$(NEED_PRODUCTION_ENV)
	exec $(FLASK) jobs-worker

# System packages the tests need: CJK fonts and HarfBuzz subsetting for WeasyPrint, Chromium for Playwright,
# LibreOffice Calc to open exports as a user would.
sysdeps:
	sh .ci/sysdeps.sh

# The whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (as .ci/run does).
# Both runs happen even if the first fails; the target fails if either did (pytest's "no tests" exit 5 included).
test: venv sysdeps
	@sqlite=0; postgres=0; \
	echo "== tests on SQLite"; \
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS) || sqlite=$$?; \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== tests again on PostgreSQL: $${TEST_DATABASE_URL##*@}"; \
		$(BIN)/python -m pytest $(PYTEST_ARGS) || postgres=$$?; \
	fi; \
	[ $$sqlite = 0 ] || echo "FAILED on SQLite (pytest exit $$sqlite)" >&2; \
	[ $$postgres = 0 ] || echo "FAILED on PostgreSQL (pytest exit $$postgres)" >&2; \
	[ $$sqlite = 0 ] && [ $$postgres = 0 ]

test-sqlite: venv sysdeps
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: venv sysdeps
	@[ -n "$$TEST_DATABASE_URL" ] || { echo "set TEST_DATABASE_URL=postgresql://..." >&2; exit 2; }
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python -m bench.bulk_approve $(BENCH_ARGS)

# 100,000 staff rows through the import engine vs calamine + one raw bulk insert (DATABASE_URL, else SQLite).
bench-import: venv
	$(BIN)/python -m bench.imports $(BENCH_ARGS)
# 导出 Excel of 100,000 staff (the staff query's export as the province admin) against openpyxl write-only writing
# the same cells, on the database in DATABASE_URL (SQLite or PostgreSQL): demo and staff added first where missing.
bench-export: venv
	$(BIN)/python -m bench.export --seed $(BENCH_ARGS)

# Province scale on the PostgreSQL database in DATABASE_URL: fills it when empty (demo + seed --scale province,
# several minutes), times every list page as three admins, then 50 sessions against gunicorn for 60 s.
bench-province: venv
	@case "$$DATABASE_URL" in postgresql*) ;; *) echo "set DATABASE_URL=postgresql://..." >&2; exit 2;; esac
	$(BIN)/python -m bench.province --seed $(BENCH_ARGS)

# 学时 at province scale on the PostgreSQL database in DATABASE_URL: fills it where needed (province data, then
# seed --credits up to 5,000,000 records), times 学时审核 / 学时申报记录 against their SQL, bulk approve vs raw UPDATE.
bench-hours: venv
	@case "$$DATABASE_URL" in postgresql*) ;; *) echo "set DATABASE_URL=postgresql://..." >&2; exit 2;; esac
	$(BIN)/python -m bench.hours --seed $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/app.sqlite3 tests/screenshots .pytest_cache

# Front-end packages from the npm registry, pinned and checked against the registry's integrity hash
# (static/vendor/README.md). Run by hand to upgrade; the copies are committed.
ECHARTS := echarts@6.1.0
ECHARTS_SHA512 := q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==
# /api/docs (Swagger UI), served from static/ like the charts.
SWAGGER_UI := swagger-ui-dist@5.35.0
SWAGGER_UI_SHA512 := U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
vendor:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack -q $(ECHARTS) >/dev/null && \
	test "$$(openssl dgst -sha512 -binary echarts-*.tgz | base64 -w0)" = "$(ECHARTS_SHA512)" && \
	tar xzf echarts-*.tgz && mkdir -p $(CURDIR)/static/vendor/echarts && \
	cp package/dist/echarts.common.min.js package/LICENSE package/NOTICE package/licenses/LICENSE-d3 \
	   $(CURDIR)/static/vendor/echarts/ && rm -rf $$tmp
	tmp=$$(mktemp -d) && cd $$tmp && npm pack -q $(SWAGGER_UI) >/dev/null && \
	test "$$(openssl dgst -sha512 -binary swagger-ui-dist-*.tgz | base64 -w0)" = "$(SWAGGER_UI_SHA512)" && \
	tar xzf swagger-ui-dist-*.tgz && mkdir -p $(CURDIR)/static/vendor/swagger-ui && \
	cp package/swagger-ui-bundle.js package/swagger-ui-bundle.js.LICENSE.txt package/swagger-ui.css \
	   package/LICENSE package/NOTICE $(CURDIR)/static/vendor/swagger-ui/ && rm -rf $$tmp
