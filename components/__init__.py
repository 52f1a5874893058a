"""Pulumi components, dynamic providers and API clients of the bot hand-off project.

Deliberately imports nothing: the dynamic-provider process imports `components.dynamic.*` by reference
(see docs/architecture.md) and must not pay for, or be broken by, the program's resource modules.
"""
