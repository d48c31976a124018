"""End to end over Slack: the buttons on every alert ("Mute <topic>", "Unsubscribe", "Undo")
and "Show the last 3" after subscribing. Signed interactive payloads go to the real bolt app;
the real slack_sdk client calls the fake Web API (chat.update puts the confirmation in place).
"""

from __future__ import annotations

from typing import Any

from tests.conftest import settled
from tests.e2e import test_slack_e2e
from tests.e2e.test_slack_e2e import ADMIN, SECRET, WAIT, Env, all_text
from tests.fakes.slack_api import button_click

env = test_slack_e2e.env  # the same app (HTTP mode) on the fake Web API

MINES = "Mine clearance teams cleared 300 hectares. Demining continues in the area."


def action_buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The blocks' action buttons (with a value) by their label."""
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions"
            for e in b["elements"] if "value" in e}


async def click(env: Env, button: dict[str, Any], channel: str, user: str = ADMIN,
                ephemeral: bool = False) -> None:
    answer = await button_click(env.url, SECRET, value=button["value"], user_id=user,
                                channel_id=channel, action_id=button["action_id"],
                                is_ephemeral=ephemeral,
                                response_url=env.slack.response_url(f"k{env.n}"))
    env.n += 1
    assert answer.status == 200 and answer.seconds < 3.0


async def test_mute_on_an_alert_updates_it_and_undo_restores_the_subscription(
        env: Env) -> None:
    await env.command("subscribe demining trade")
    await env.publish("Demining teams cleared 300 hectares", MINES, "s1")
    [alert] = await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    found = action_buttons(alert["blocks"])
    assert {"Mute Demining", "Unsubscribe"} <= set(found)

    await click(env, found["Mute Demining"], "C100")
    [update] = await env.slack.wait_for(lambda: env.slack.calls_to("chat.update"), WAIT)
    assert update.params["channel"] == "C100" and update.params["ts"]
    assert "Muted Demining" in all_text(update.params["blocks"])
    assert "Demining teams cleared 300 hectares" in all_text(update.params["blocks"])
    undo = action_buttons(update.params["blocks"])["Undo"]
    chat = env.chat("C100")
    assert chat is not None and chat.subscription.topics == {"trade"}

    await env.publish("Demining teams cleared 50 more hectares", MINES, "s2")
    await settled(env.app, polls=0)
    assert len(env.slack.posted(channel="C100")) == 1  # muted: nothing new

    await click(env, undo, "C100")
    await env.slack.wait_for(lambda: len(env.slack.calls_to("chat.update")) == 2, WAIT)
    restored = env.slack.calls_to("chat.update")[-1].params["blocks"]
    assert set(action_buttons(restored)) == set(found)  # the alert's own buttons are back
    chat = env.chat("C100")
    assert chat is not None and chat.subscription.topics == {"demining", "trade"}


async def test_only_the_channels_admins_may_use_an_alerts_buttons(env: Env) -> None:
    await env.command("subscribe demining")
    await env.publish("Demining teams cleared 300 hectares", MINES, "n1")
    [alert] = await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    key = f"k{env.n}"
    await click(env, action_buttons(alert["blocks"])["Unsubscribe"], "C100", user="UNOBODY")
    [answer] = await env.slack.wait_for(lambda: env.slack.responses.get(key), WAIT)
    assert answer["response_type"] == "ephemeral" and "administrators" in answer["text"]
    assert not answer.get("replace_original")  # the alert stays for everyone else
    assert not env.slack.calls_to("chat.update")
    chat = env.chat("C100")
    assert chat is not None and chat.subscription.topics == {"demining"}


async def test_show_the_last_3_after_subscribing(env: Env) -> None:
    for n in range(1, 5):
        await env.publish(f"Demining report {n}", MINES, f"l{n}")
    [answer] = await env.command("subscribe demining", channel="D0ME", user="UME")
    shown = action_buttons(answer["blocks"])["Show the last 3 on Demining"]
    key = f"k{env.n}"
    await click(env, shown, "D0ME", user="UME", ephemeral=True)
    [listed] = await env.slack.wait_for(lambda: env.slack.responses.get(key), WAIT)
    assert not listed.get("replace_original")  # a new message; the confirmation stays
    text = all_text(listed["blocks"])
    assert all(text.count(f"Demining report {n}") == 1 for n in (4, 3, 2))
    assert "Demining report 1" not in text
