# Guanxi: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(GUANXI_PORT),8000)
VENDOR := static/vendor

.PHONY: run test install vendor lint typecheck messages clean bench-search

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/tabler $(VENDOR)/htmx $(VENDOR)/echarts $(VENDOR)/sortablejs
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/tabler/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/tabler/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortablejs/
	touch $@

vendor: $(VENDOR)/.copied

run: install vendor
	mkdir -p var/staticfiles
	$(BIN)/guanxi migrate --noinput
	$(BIN)/guanxi demo --if-empty
	$(BIN)/guanxi serve --port $(PORT)

test: install vendor
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy guanxi config

# Needs GNU gettext (msgfmt); the compiled .mo is committed so `make run` does not.
messages: install
	$(BIN)/guanxi makemessages -l zh_Hans --no-obsolete --no-location \
		--ignore=.venv --ignore=node_modules --ignore=static/vendor --ignore=var --ignore=bench --ignore=tests
	$(BIN)/guanxi compilemessages -l zh_Hans --ignore=.venv

bench-search: install
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var/staticfiles
