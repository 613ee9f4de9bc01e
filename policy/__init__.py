"""Access policies, rate limits and the audit log: who may ask what, where.

Pure rules (no Slack types): handlers/ and scheduler/ build a `policy.rules.Subject` from what they
know and ask the `policy.gate.Gate`. Settings come from the `policies:` section of playbot.yaml
(policy/settings.py, which config.py imports while loading: keep this file free of imports).
"""
