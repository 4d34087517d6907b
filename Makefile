# dlbio: `make demo` sets up and runs the main job on bundled data; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
BIN     = $(VENV)/bin
OUT    ?= out/demo

.PHONY: setup sysdeps demo test test-fast bench clean

setup: $(VENV)/.installed sysdeps

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[cpu,motifs,test]'
	touch $@

sysdeps:
	@bash scripts/install_sysdeps.sh

# The main job of the class: train the Conv1D motif detector, then read its motif out.
demo: setup
	mkdir -p $(OUT)
	cd $(OUT) && $(CURDIR)/$(BIN)/mdet-conv1d --quiet | tail -n 1
	cd $(OUT) && $(CURDIR)/$(BIN)/mdisc-conv1d --weights mdet_conv1d.keras
	@echo "demo outputs in $(OUT)/: mdet_conv1d.keras (model), 01_conv1d.fa (alignment), 01_conv1d.png (logo)"

test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/deepsea.py
	$(PY) benchmarks/genomics.py
	$(PY) benchmarks/import_danq.py

clean:
	rm -rf $(VENV) out .pytest_cache
