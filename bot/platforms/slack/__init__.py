"""Slack, through slack-bolt and slack_sdk: blocks (Reply -> Block Kit), transport, app."""
