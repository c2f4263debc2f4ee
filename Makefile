# Two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/kassel_2024.toml
SEED   ?= 1
OUT    ?= results/run
RESULTS ?= results/compare
REPORT_LANG ?= de
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-fast check install clean app report bench lock

# exact versions, with hashes, from requirements.lock (what CI tested); then jobpath itself
$(BIN)/jobpath: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/jobpath

run: install
	$(BIN)/jobpath run $(SCENARIO) --seed $(SEED) --out $(OUT)

# Debian's Chromium: browser tests and PNG export (Playwright downloads no browser)
$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

# lint, format and types first (seconds), then the whole suite; CI runs exactly this
test: install $(CHROMIUM) check
	$(BIN)/pytest -n 2

check: install
	$(BIN)/ruff check simulation calibration tests benchmarks
	$(BIN)/ruff format --check simulation calibration tests benchmarks
	$(BIN)/mypy --config-file mypy.ini simulation/engine simulation/states.py

# everyday tier, about a minute: everything but the browser, the slow statistics and the subprocess-heavy tests
test-fast: install
	$(BIN)/pytest -n 2 -m "not slow" --ignore=tests/test_app_browser.py --ignore=tests/test_batch.py \
		--ignore=tests/test_abc.py --ignore=tests/test_golden.py --ignore=tests/test_sensitivity.py \
		--ignore=tests/test_damaged_results.py --ignore=tests/test_benchmarks_smoke.py

# benchmarks (not part of the tests): `make bench`, or `make bench QUICK=1` for smaller sizes
bench: install
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick)

app: install
	$(BIN)/jobpath app --host 127.0.0.1 --port 8501

report: install
	$(BIN)/jobpath report $(RESULTS) --lang $(REPORT_LANG)

# re-resolve requirements.lock from pyproject.toml's ranges (after changing a dependency)
lock:
	$(PYTHON) -m venv build/uv && build/uv/bin/pip install --quiet uv
	build/uv/bin/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
		--generate-hashes --no-header -o requirements.lock

clean:
	rm -rf $(VENV) results/run .pytest_cache
