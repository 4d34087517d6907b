# dlbio: `make demo` sets up and runs the main job on bundled data; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
BIN     = $(VENV)/bin
OUT    ?= out/demo

.PHONY: setup sysdeps demo test test-fast lint bench docs clean

setup: $(VENV)/.installed sysdeps

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[cpu,jax,motifs,test,docs]'
	touch $@

# PyTorch for the PyTorch run of the tests: its CPU build (torch 2.13.0+cpu lies on the CI
# machines' disk; elsewhere pip fetches PyPI's 2.13.0).
$(VENV)/.torch: $(VENV)/.installed
	$(PY) -m pip install -q 'torch==2.13.0'
	touch $@

sysdeps:
	@bash scripts/install_sysdeps.sh

# The main job of the class: train the Conv1D motif detector, then read its motif out.
demo: setup
	mkdir -p $(OUT)
	cd $(OUT) && $(CURDIR)/$(BIN)/mdet-conv1d --quiet | tail -n 1
	cd $(OUT) && $(CURDIR)/$(BIN)/mdisc-conv1d --weights mdet_conv1d.keras
	@echo "demo outputs in $(OUT)/: mdet_conv1d.keras (model), 01_conv1d.fa (alignment), 01_conv1d.png (logo)"

# The suite on TensorFlow; again on JAX without the TensorFlow-only and backend-free tests
# (tests/conftest.py); and on PyTorch for the models, the loader, prediction, ISM, attributions, training
# (-g N's processes included), resume (bit for bit, as on the others), the class examples and their
# initial weights, the bad inputs and the GPU benchmark (tiny, on the CPU).
TORCH_TESTS = tests/test_deepsea_models.py tests/test_store.py tests/test_deepsea_mat.py tests/test_mutagenesis.py \
              tests/test_class2_cli.py tests/test_initial_weights.py tests/test_danq_cli.py tests/test_api.py \
              tests/test_bad_inputs.py tests/test_attributions.py tests/test_torch_only.py tests/test_benchmarks.py \
              tests/test_resume.py

test: setup $(VENV)/.torch
	$(PY) -m pytest -q -n 2 --dist loadfile
	KERAS_BACKEND=jax $(PY) -m pytest -q -n 2 --dist loadfile
	KERAS_BACKEND=torch $(PY) -m pytest -q -n 2 --dist loadfile $(TORCH_TESTS)

# ruff: lint (pyflakes, pycodestyle, import order) and the format, at the line length in pyproject.toml.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The documentation site (mkdocs-material + mkdocstrings) into site/; any warning is an error.
docs: setup
	$(PY) scripts/docs_index.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict  # not -q: it hides the warnings that --strict counts

bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/deepsea.py
	$(PY) benchmarks/genomics.py
	$(PY) benchmarks/import_danq.py
	$(PY) benchmarks/cpu_backends.py

clean:
	rm -rf $(VENV) out .pytest_cache site docs/index.md
