"""API clients of the hand-off: cloud endpoints, the stack's client config, msal authentication, one
retrying HTTP session, typed errors with a catalogue of known failures, the Dataverse client, and small
ARM and Graph readers. Nothing here imports pulumi (docs/architecture.md, import direction).

Entry points: `ClientConfig.from_lookup`, `DataverseClient.connect`, `ArmBotReader.connect`,
`GraphReader.connect`; errors derive from `errors.ClientError`; `preflight` checks records against the
hand-off's known failure scenarios.
"""
