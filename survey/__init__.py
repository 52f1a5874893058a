"""`python -m survey`: one environment's bot hand-off as it is, read-only.

It signs in as the providers do (the same ARM_*/AZURE_* variables, the same clients and catalogue errors),
sends only GET requests (and the token requests to Entra), and prints what a deployment would meet:
Copilot Studio agents, bot application users, Omnichannel queues with their bot members, workstreams with
their bot, context variables, the Omnichannel and extension solutions, a stack's Azure Bot and its channels,
and, for a stack, which of its resources already exist. `--save` keeps a survey as JSON and `--diff` shows
what changed between two (docs/live.md: settling what only a tenant can settle).

Layout: target.py (where and as whom), collect.py (one survey), read.py and azure.py (the reads), model.py
(the records), takeover.py (the stack's resources), render.py (JSON and Markdown), diff.py (before/after),
cli.py (the command line).
"""
