"""Access policies, rate limits and the audit log: who may ask what, where.

Pure rules (no Slack types): surfaces build a `policy.rules.Subject` from what they know; the answer
service (service/service.py) asks `policy.rules.Policy` about it. Settings come from the `policies:`
section of playbot.yaml (policy/settings.py, which config.py imports while loading: keep this file free
of imports).
"""
