# Goaltree: `make run` and `make test` do all set-up on a fresh machine (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CHARTJS_VERSION := 4.6.1
CHARTJS_COPY := .cache/npm/node_modules/chart.js/dist/chart.umd.min.js
AXE_VERSION := 4.14.1
AXE_COPY := .cache/npm/node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

# A Python >= 3.12: python3.13, python3.12, a pyenv-installed one, or python3 if it is new enough.
PYTHON_BIN := $(shell for c in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -r) python3; do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$c; break; }; done)

.PHONY: lock run install serve worker test lint format messages bench loadtest demo clean check-python

check-python:
	@if [ -z "$(PYTHON_BIN)" ]; then \
		echo "Goaltree needs Python 3.12 or newer (Django 6.1 refuses older ones)."; \
		echo "Install one, e.g. 'apt-get install python3.12' or 'pyenv install 3.13', then run make again."; \
		exit 1; fi

$(VENV)/.installed: pyproject.toml requirements.lock | check-python
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv
	@$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	@touch $@

install: $(VENV)/.installed ## Install everything into .venv

$(CHARTJS_COPY):
	@mkdir -p .cache/npm
	@npm install --silent --no-audit --no-fund --prefix .cache/npm chart.js@$(CHARTJS_VERSION) >/dev/null \
		|| echo "Could not install the local Chart.js copy (npm); chart browser tests will be skipped."

$(AXE_COPY):
	@mkdir -p .cache/npm
	@npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@$(AXE_VERSION) >/dev/null \
		|| echo "Could not install axe-core (npm); accessibility browser tests will be skipped."

# Chart.js for `make run`: the npm copy served as a static file when there is one (charts draw offline and where
# the CDN is blocked; same file, same SRI hash), else the CDN. An explicit CHARTJS_URL wins.
LOCAL_CHARTJS_URL := /static/vendor/chart.js/chart.umd.min.js

run: install $(CHARTJS_COPY) ## Migrate, load the demo workspace once, serve on http://127.0.0.1:8000
	@DEBUG=true $(PY) manage.py migrate --no-input -v 0
	@DEBUG=true $(PY) manage.py load_demo
	@echo "Goaltree: http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@if [ -z "$${CHARTJS_URL:-}" ] && [ -f $(CHARTJS_COPY) ]; then export CHARTJS_URL=$(LOCAL_CHARTJS_URL); fi; \
		DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

serve: install ## Production server: gunicorn with production settings (set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL)
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py migrate --no-input
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

worker: install ## The background worker: emails, webhooks, progress after changes (docs/deploy.md "Worker"); `DEBUG=true make worker` beside `make run`
	$(PY) manage.py db_worker --no-reload

test: install $(CHARTJS_COPY) $(AXE_COPY) ## Whole suite; DATABASE_URL selects PostgreSQL; REQUIRE_BROWSER=1 makes browser tests mandatory
	@echo "Database: $${DATABASE_URL:-SQLite (DATABASE_URL unset)}"
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Re-extract strings, fill Japanese from locale/fragments/*.po (the source of truth), compile
	@DEBUG=true $(PY) manage.py makemessages -l ja -l en --keep-pot --no-obsolete --ignore '.venv/*' --ignore '.cache/*' --ignore 'tests/*' -v 0
	@mkdir -p .cache && msgcat --use-first locale/fragments/*.po -o .cache/compendium.po
	@for lang in ja en; do po=locale/$$lang/LC_MESSAGES/django.po; \
		msginit --no-translator --no-wrap -l $$lang.UTF-8 -i locale/django.pot -o .cache/$$lang.po 2>/dev/null; \
		msgmerge -q --no-wrap --no-fuzzy-matching $$( [ $$lang = ja ] && echo "-C .cache/compendium.po" ) -o $$po .cache/$$lang.po locale/django.pot; done
	@rm -f locale/django.pot
	@DEBUG=true $(PY) manage.py compilemessages -v 0 --ignore '.venv/*' --ignore '.cache/*'
	@echo "Untranslated Japanese strings: $$(msgattrib --untranslated locale/ja/LC_MESSAGES/django.po | grep -c '^msgid ' || true)"

bench: install ## Build a large workspace and measure pages and the engine (docs/performance.md)
	DEBUG=true $(PY) manage.py bench

loadtest: install ## Load test: locust, headless, 127.0.0.1 only, 50 then 100 people on gunicorn + PostgreSQL + Redis
	bash tests/load/run

demo: install
	DEBUG=true $(PY) manage.py migrate --no-input -v 0
	DEBUG=true $(PY) manage.py load_demo

lock: ## Re-pin requirements.lock after changing pyproject.toml
	@test -x $(VENV)/bin/uv || { $(PYTHON_BIN) -m venv $(VENV) && $(PY) -m pip install -q uv; }
	$(VENV)/bin/uv pip compile -q --python-version 3.12 --extra dev --generate-hashes pyproject.toml -o requirements.lock

clean:
	rm -rf $(VENV) .cache staticfiles
