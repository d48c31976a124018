"""A Slack request (slash command text, button value) -> the chat-neutral Command."""

from __future__ import annotations

import re

from bot.config import SlackSettings
from bot.models import Command
from handlers.router import parse_command_text

_SLACK_REF = re.compile(r"<([#@!]?)([^<>|]*)(?:\|([^<>]*))?>")


def command_text(text: str) -> str:
    """Slash-command text as typed: Slack escapes `&<>` and sends `#chan` as `<#C123|chan>`."""

    def ref(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil in ("#", "@"):
            return target  # a channel or user id: what the bot needs to address it
        if sigil == "!":
            return "@" + (label or target)
        return label if label and not target.startswith(("http", "mailto:")) else target

    text = _SLACK_REF.sub(ref, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _is_dm(channel_id: str, channel_name: str = "") -> bool:
    return channel_id.startswith("D") or channel_name == "directmessage"


def make_command(cfg: SlackSettings, *, text: str, channel_id: str, channel_name: str,
                 user_id: str, user_name: str, via_button: bool = False,
                 language: str = "en") -> Command:
    """The chat-neutral Command for a Slack request. DMs are the user's chat with the bot.

    Text without a subcommand is `help`; `cfg` says who is a bot admin and who may change a
    channel's subscription; `language` is the user's (from their Slack locale).
    """
    text = command_text(text).strip()
    parsed = parse_command_text(text if text.startswith("/") else "/" + text) if text else None
    name, args, raw = parsed if parsed else ("help", [], "")
    dm = _is_dm(channel_id, channel_name)
    is_bot_admin = user_id in cfg.admins
    # channel_rule "admins": only bot admins change a channel; "members": anyone in it
    is_chat_admin = dm or cfg.channel_rule == "members" or is_bot_admin
    return Command(
        platform="slack",
        # posting to a user id reaches the app's DM with that user, whichever DM the
        # command was typed in (the bot cannot post in a DM between two people)
        chat_id=user_id if dm else channel_id,
        name=name, args=args, raw_args=raw,
        chat_kind="private" if dm else "channel",
        chat_title=user_name if dm else (channel_name or channel_id),
        user_id=user_id, user_name=user_name,
        is_chat_admin=is_chat_admin, is_bot_admin=is_bot_admin,
        via_button=via_button, language=language,
    )
