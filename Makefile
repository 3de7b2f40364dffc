# Set-up and entry points. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= index
PORT   ?= 7860

.PHONY: install run index test chromium bench eval clean

# torch goes first and pinned: letting pip choose it pulls several GB of CUDA wheels.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(INDEX)/current: | $(STAMP)
	$(BIN)/rag ingest --index-dir $(INDEX) seeds/

index: $(INDEX)/current

run: install index
	$(BIN)/rag serve --index-dir $(INDEX) --port $(PORT)

# Browser tests need Debian's chromium; install it when missing (root on these machines).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "!!! WARNING: chromium could not be installed: the browser tests will be SKIPPED !!!"

test: install chromium
	$(BIN)/python -m pytest -q

eval: install index
	$(BIN)/rag eval --index-dir $(INDEX)

bench: install index
	$(BIN)/python benchmarks/bench_query.py --index-dir $(INDEX)

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache
