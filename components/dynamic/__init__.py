"""Dynamic providers of the Omnichannel binding: thin adapters over `components.clients`, one module per
resource family (bot_user, role, queue, workstream, context, copilot), sharing `base` (configuration, clients,
the generic check and diff, the no-removal guard) and `specs` (typed property bags). docs/binding.md describes
each resource's inputs, outputs, lifecycle and drift behaviour.
"""
