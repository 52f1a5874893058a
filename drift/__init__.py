"""Read-only drift detection across the project's stacks (`python -m drift --help`).

Runs only the engine's refresh preview (`pulumi refresh --preview-only --event-log FILE`), or reads such a log
(`--from-event-log`), and reports per stack, per resource and per property what drifted, as JSON
(docs/drift-report.schema.json) or Markdown. Exit codes and the report format are documented in docs/ci.md.
"""
