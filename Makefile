# The README's commands. `make setup` builds the virtualenv Pulumi uses (Pulumi.yaml: virtualenv: venv);
# `make test` runs the whole test suite, exactly as CI does (.ci/run).
PYTHON ?= python3.11
VENV   := venv
PY     := $(VENV)/bin/python
# The policy pack's own virtualenv (policy/PulumiPolicy.yaml: virtualenv: venv): pulumi-policy 1.21.0
# requires protobuf~=5.29, the program's venv has protobuf 6.
POLICY_VENV := policy/venv
POLICY_PY   := $(POLICY_VENV)/bin/python

.PHONY: setup test offline-trial
setup: $(VENV)/.installed $(POLICY_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (dynamic providers are pickled into state): set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(POLICY_VENV)/.installed: policy/requirements.txt policy/requirements-dev.txt policy/constraints.txt
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_PY) -m pip install --quiet --upgrade pip
	$(POLICY_PY) -m pip install --quiet -r policy/requirements-dev.txt
	touch $@

# The policy tests run in the pack's venv; --confcutdir keeps the suite's conftest (emulator imports) out.
test: setup lint
	$(PY) -m pytest
	$(POLICY_PY) -m pytest --confcutdir=tests/policy tests/policy

# The house style (pyproject.toml [tool.ruff]): lint rules and the formatter's layout, checked, never rewritten.
.PHONY: lint
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The README's "Try it offline": the whole program against a seeded emulator (no tenant, no Pulumi CLI).
offline-trial: $(VENV)/.installed
	$(PY) -m offline trial

# The README's figures (benchmarks/stress.py): requests per operation against the API minimum, throttling,
# 1/10/50 bindings with 50 ms latency, program evaluation. About two minutes; exit 1 when a hard target is missed.
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) benchmarks/stress.py
