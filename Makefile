# The README's commands. `make setup` builds the virtualenv Pulumi uses (Pulumi.yaml: virtualenv: venv);
# `make test` runs the whole test suite, exactly as CI does (.ci/run).
PYTHON ?= python3.11
VENV   := venv
PY     := $(VENV)/bin/python

.PHONY: setup test
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (dynamic providers are pickled into state): set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

test: setup
	$(PY) -m pytest
