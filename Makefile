# The two set-up commands of README.rst: `make run` and `make test`.
# Both work on a fresh Debian or Ubuntu machine: they install what is missing.
# `make bench` is an extra: the benchmarks of bench/README.rst that the
# README's figures come from, written to bench/results/.

VENV     ?= .venv
PYTHON   ?= python3
RUN_DIR  ?= .run
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP    := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
RESULTS  ?= bench/results

.PHONY: run test lint bench system-packages clean

run: system-packages $(STAMP)
	$(VENV)/bin/python -m mucservice.devserver.run --folder $(RUN_DIR)

test: system-packages $(STAMP)
	$(VENV)/bin/ruff check mucservice tests twisted bench
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The service alone behind a socket (bench/component.py: rooms of 10 to
# 10,000, 1,000 rooms of 10, empty persistent rooms, and its plot), then end
# to end through a real Prosody (bench/e2e.py), then one table of both.
bench: system-packages $(STAMP) $(BENCH_STAMP)
	mkdir -p $(RESULTS)
	$(VENV)/bin/python bench/component.py --json $(RESULTS)/component.json \
		--plot $(RESULTS)/component.png
	$(VENV)/bin/python bench/e2e.py --rounds 5 --json $(RESULTS)/e2e.json
	$(VENV)/bin/python bench/summary.py --component $(RESULTS)/component.json \
		--e2e $(RESULTS)/e2e.json

lint: $(STAMP)
	$(VENV)/bin/ruff check mucservice tests twisted bench

# Prosody (the XMPP server that `make run` and the integration tests start)
# and the venv module, from the distribution's packages, when missing.
system-packages:
	@if ! command -v prosody >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
		echo "Installing prosody and python3-venv from the Debian packages"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q prosody python3-venv; \
	fi

# The virtualenv, with the project installed in place (compat mode, so that
# twistd finds the dropins in twisted/plugins/) and the test tools.
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]' --config-settings editable_mode=compat
	touch $@

# matplotlib, for the plot of `make bench` (the extra `bench` of setup.cfg).
$(BENCH_STAMP): $(STAMP)
	$(VENV)/bin/pip install -q -e '.[test,bench]' --config-settings editable_mode=compat
	touch $@

clean:
	rm -rf $(VENV) $(RUN_DIR) build *.egg-info .pytest_cache .ruff_cache
