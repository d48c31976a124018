"""Telegram, through python-telegram-bot: render (Reply -> HTML), transport (sending), app."""
