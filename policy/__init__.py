"""CrossGuard policy pack of the hand-off project (pulumi-policy; its own requirements and venv).

`policy.rules` holds the policies and can be imported anywhere (the unit tests do); `policy/__main__.py`
builds the PolicyPack, which starts the analyzer server the Pulumi CLI talks to, and blocks.
"""
