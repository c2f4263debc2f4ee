# Two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/kassel_2024.toml
SEED   ?= 1
OUT    ?= results/run

.PHONY: run test install clean

$(BIN)/jobpath: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/jobpath

run: install
	$(BIN)/jobpath run $(SCENARIO) --seed $(SEED) --out $(OUT)

test: install
	$(BIN)/pytest -n 2

clean:
	rm -rf $(VENV) results/run .pytest_cache
