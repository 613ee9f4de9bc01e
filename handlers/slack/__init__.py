"""Playbot as a Slack app (slack-bolt): listeners, replies, Block Kit, HTTP server, manifest.

The only package that imports slack_bolt / slack_sdk. Everything it calls below takes plain objects.
"""
