# The two set-up commands of README.rst: `make run` and `make test`.
# Both work on a fresh Debian or Ubuntu machine: they install what is missing.

VENV     ?= .venv
PYTHON   ?= python3
RUN_DIR  ?= .run
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP    := $(VENV)/.installed

.PHONY: run test lint system-packages clean

run: system-packages $(STAMP)
	$(VENV)/bin/python -m mucservice.devserver.run --folder $(RUN_DIR)

test: system-packages $(STAMP)
	$(VENV)/bin/ruff check mucservice tests twisted bench
	$(VENV)/bin/pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) $(RUN_DIR) build *.egg-info .pytest_cache .ruff_cache
