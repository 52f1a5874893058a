"""The Dataverse Web API v9.2 service of the emulator, with the Omnichannel and Copilot Studio tables.

routes.py (HTTP only) -> models/ (environments, tables, rules, privileges) and odata/ (query parsing);
errors.py holds the wire shape of errors. See emulator/README.md, section "Dataverse".
"""
