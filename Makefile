# sat-config: every target sets up what it needs first (a .venv in the checkout).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Torch for the [train] extra. The default pins the CPU build where a local wheel provides it;
# set TORCH_SPEC to your own build (e.g. TORCH_SPEC='torch>=2.3') to use a CUDA one.
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed
JS     := tests/js
JS_STAMP := $(JS)/node_modules/.installed

.PHONY: setup demo test test-slow test-all generate check-generated bench clean help

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q "$(TORCH_SPEC)"
	$(PIP) install -q -e '.[train,text,dev]'
	touch $@

$(JS_STAMP): $(JS)/package-lock.json
	npm ci --prefix $(JS) --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP)  ## create .venv and install sat-config with [train,text,dev]

demo: $(STAMP)  ## the main job: train the tiny example autoencoder on synthetic audio (CPU)
	$(PY) -m sat_config.demo

test: $(STAMP) $(JS_STAMP)  ## the whole fast test suite (Python + Node)
	$(PY) -m pytest -q -n 2; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; \
	npm --prefix $(JS) test --silent || rc=1; exit $$rc

test-slow: $(STAMP) $(JS_STAMP)  ## only the slow training tests (DDP, longer runs)
	$(PY) -m pytest -q -m slow

test-all: $(STAMP) $(JS_STAMP)  ## fast and slow tests
	$(PY) -m pytest -q -m "slow or not slow"

generate: $(STAMP) $(JS_STAMP)  ## regenerate generated/ and docs/ from schemas/
	$(VENV)/bin/datamodel-codegen
	$(PY) -m sat_config.schema.bundle --write
	$(PY) -m sat_config.schema.derived --write
	npm --prefix $(JS) run --silent gen-types
	$(PY) -m sat_config.schema.docs --write

check-generated: $(STAMP) $(JS_STAMP)  ## fail when generated/ or docs/ drift from schemas/
	@$(VENV)/bin/datamodel-codegen --check >/dev/null || { echo "generated/ is stale: run 'make generate'"; exit 1; }
	@$(PY) -m sat_config.schema.bundle --check || { echo "generated/bundle is stale: run 'make generate'"; exit 1; }
	@$(PY) -m sat_config.schema.derived --check || { echo "generated/facts is stale: run 'make generate'"; exit 1; }
	@npm --prefix $(JS) run --silent check-types || { echo "generated/typescript is stale: run 'make generate'"; exit 1; }
	@$(PY) -m sat_config.schema.docs --check || { echo "docs/reference is stale: run 'make generate'"; exit 1; }
	@echo "generated/ and docs/ are up to date"

bench: $(STAMP)  ## print validation, training and data-loader benchmarks
	$(PY) benchmarks/bench_validation.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_diffusion.py
	$(PY) benchmarks/bench_data.py
	$(PY) benchmarks/bench_arc.py
	$(PY) benchmarks/bench_lm.py

clean:  ## remove the virtual environment and build outputs
	rm -rf $(VENV) build dist runs $(JS)/node_modules
