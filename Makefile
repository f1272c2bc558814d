# cnnbook: `make book` builds the site, `make test` runs the tests. Both create .venv when missing.
PROFILE ?= default
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test serve clean dist bench

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/cnnbook build --profile $(PROFILE)

test: $(STAMP)
	$(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/cnnbook serve --profile $(PROFILE)

clean:
	rm -rf build

# Flax's training and inference speed against PyTorch twins, in paired rounds: build/bench.json.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/training_speed.py

# A wheel of the package in dist/: `pip install dist/cnnbook-*.whl` gives the `cnnbook` command anywhere.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .
