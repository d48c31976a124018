"""/pause, /resume, /quiet, /digest weekly, /settings and /broadcast as a user types them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.classify import Classifier
from bot.config import Settings
from bot.models import Chat, Command, Reply
from bot.search import SearchIndex
from handlers.deps import Deps
from handlers.pause import parse_duration
from handlers.router import dispatch, parse_command_text
from tests.fakes.memory_store import MemoryStore

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)  # a Monday, 12:00 in Baku
GROUP = {"chat_id": "-200", "chat_kind": "group", "user_id": "7", "is_chat_admin": False}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class FakeBroadcaster:
    """Delivery's broadcaster as the handler sees it: whom it would reach, what it was given."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.started: list[tuple[str, Chat]] = []

    def audience(self) -> list[Chat]:
        return [c for c in self.store.chats() if c.active]

    def start(self, text: str, report_to: Chat) -> int:
        self.started.append((text, report_to))
        return len(self.audience())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(clock: Clock) -> Deps:
    store = MemoryStore()
    woken: list[int] = []
    return Deps(store=store, index=SearchIndex(get_item=store.get_item), classifier=Classifier(),
                settings=Settings(), clock=clock, wake_delivery=lambda: woken.append(1))


async def run(deps: Deps, text: str, **kw: Any) -> Reply:
    parsed = parse_command_text(text)
    assert parsed is not None
    name, args, raw = parsed
    kw.setdefault("platform", "telegram")
    kw.setdefault("chat_id", "100")
    return await dispatch(Command(name=name, args=args, raw_args=raw, **kw), deps)


def chat(deps: Deps, key: str = "telegram:100") -> Chat:
    found = deps.store.get_chat(key)
    assert found is not None
    return found


def test_durations_as_people_type_them() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("2ч") == timedelta(hours=2)
    assert parse_duration("1w") == timedelta(weeks=1)
    assert parse_duration("2 saat") == timedelta(hours=2)
    assert parse_duration("1 час 30 мин") == timedelta(minutes=90)
    assert parse_duration("3 дня") == timedelta(days=3)
    for bad in ("", "2", "h", "2x", "-2h", "0h", "2h later"):
        assert parse_duration(bad) is None, bad


async def test_pause_for_a_while_keeping_what_arrives_then_resume(deps: Deps,
                                                                  clock: Clock) -> None:
    reply = await run(deps, "/pause 2h keep")
    assert "paused until 2 March 2026, 14:00" in reply.plain()  # Baku time
    assert "one digest" in reply.plain() and "/resume" in reply.plain()
    paused = chat(deps)
    assert paused.paused and paused.pause_keep and paused.paused_until == NOW + timedelta(hours=2)
    assert "paused until 2 March 2026, 14:00" in (await run(deps, "/settings")).plain()
    resumed = await run(deps, "/resume")
    assert "on again" in resumed.plain() and "as one digest" in resumed.plain()
    assert not chat(deps).paused
    assert "not paused" in (await run(deps, "/resume")).plain()


async def test_a_pause_with_no_duration_lasts_until_resume_and_drops_by_default(
    deps: Deps, clock: Clock
) -> None:
    reply = await run(deps, "/pause")
    assert "until /resume" in reply.plain() and "not sent" in reply.plain()
    clock.now += timedelta(days=300)
    assert "Pause: off." not in (await run(deps, "/settings")).plain()
    assert "/latest" in (await run(deps, "/resume")).plain()


async def test_a_timed_pause_is_over_by_itself(deps: Deps, clock: Clock) -> None:
    await run(deps, "/pause 30m")
    clock.now += timedelta(minutes=31)
    assert "Pause: off." in (await run(deps, "/settings")).plain()
    assert "not paused" in (await run(deps, "/resume")).plain()


async def test_bad_pauses_change_nothing(deps: Deps) -> None:
    assert "'soon' is not a duration" in (await run(deps, "/pause soon")).plain()
    assert "at most a year" in (await run(deps, "/pause 400d")).plain()
    assert deps.store.get_chat("telegram:100") is None


async def test_quiet_hours_set_shown_and_off(deps: Deps) -> None:
    reply = await run(deps, "/quiet 22:00 - 8:00")
    assert "Quiet hours: 22:00-08:00 (Asia/Baku time)" in reply.plain()
    assert chat(deps).quiet_hours == "22:00-08:00"
    assert "22:00-08:00" in (await run(deps, "/settings")).plain()
    assert "Quiet hours: 22:00-08:00" in (await run(deps, "/quiet")).plain()
    assert "not a time range" in (await run(deps, "/quiet 25:00-08:00")).plain()
    assert chat(deps).quiet_hours == "22:00-08:00"
    assert "Quiet hours: off." in (await run(deps, "/quiet off")).plain()
    assert chat(deps).quiet_hours == ""


async def test_in_a_group_only_its_admins_pause_or_quieten_it(deps: Deps) -> None:
    for text in ("/pause 2h", "/quiet 22:00-08:00", "/digest weekly mon 09:00"):
        assert "administrators" in (await run(deps, text, **GROUP)).plain(), text
    assert deps.store.get_chat("telegram:-200") is None
    reply = await run(deps, "/pause 2h", **(GROUP | {"is_chat_admin": True}))
    assert reply.announce and chat(deps, "telegram:-200").paused


async def test_weekly_digest_on_a_day_at_a_time(deps: Deps) -> None:
    reply = await run(deps, "/digest weekly fri 18:30")
    assert "one digest a week, on Friday at 18:30" in reply.plain()
    sub = chat(deps).subscription
    assert (sub.mode, sub.digest_weekday, sub.digest_time) == ("digest", 4, "18:30")
    ru = await run(deps, "/digest weekly", chat_id="101", language="ru")
    assert "понедельник" in ru.plain()
    assert chat(deps, "telegram:101").subscription.digest_weekday == 0
    assert "not a day of the week" in (await run(deps, "/digest weekly someday")).plain()
    assert "not a time of day" in (await run(deps, "/digest weekly fri 25:00")).plain()
    await run(deps, "/digest 07:00")  # daily again
    sub = chat(deps).subscription
    assert (sub.digest_weekday, sub.digest_time) == (None, "07:00")
    assert "one digest a day at 07:00" in (await run(deps, "/settings")).plain()


async def test_settings_show_language_topics_digest_pause_and_quiet_hours(deps: Deps) -> None:
    await run(deps, "/subscribe demining", language="ru")  # a new chat in its user's language
    await run(deps, "/quiet 23:00-07:00")
    text = (await run(deps, "/settings")).plain()
    for part in ("Язык", "Разминирование", "Доставка", "Пауза: нет.", "Тихие часы: 23:00-07:00"):
        assert part in text, part


async def test_broadcast_previews_then_sends_on_confirm_once(deps: Deps) -> None:
    broadcaster = FakeBroadcaster(deps.store)  # type: ignore[arg-type]
    deps.broadcaster = broadcaster
    for n in range(3):
        deps.store.save_chat(Chat("telegram", str(n)))
    deps.store.save_chat(Chat("telegram", "9", active=False))
    admin = {"is_bot_admin": True, "user_id": "42"}
    assert "administrators" in (await run(deps, "/broadcast Hello")).plain()
    preview = await run(deps, "/broadcast We move to @new_bot on Monday.", **admin)
    assert "goes to 3 active chats" in preview.plain()
    assert "We move to @new_bot on Monday." in preview.plain()
    confirm, cancel = preview.buttons[0]
    assert not broadcaster.started
    sending = await run(deps, "/" + confirm.action, via_button=True, **admin)
    assert "to 3 chats" in sending.plain()
    assert [text for text, _ in broadcaster.started] == ["We move to @new_bot on Monday."]
    assert broadcaster.started[0][1].key == "telegram:100"  # the report goes to the admin
    again = await run(deps, "/" + confirm.action, via_button=True, **admin)
    assert "already sent or cancelled" in again.plain() and len(broadcaster.started) == 1
    other = await run(deps, "/broadcast Second", **admin)
    dropped = await run(deps, "/" + other.buttons[0][1].action, via_button=True, **admin)
    assert "nothing was sent" in dropped.plain() and len(broadcaster.started) == 1
    long = await run(deps, "/broadcast " + "x" * 3001, **admin)
    assert "at most 3000 characters" in long.plain()


async def test_a_pause_typed_with_spaces_in_azerbaijani_and_russian(deps: Deps) -> None:
    await run(deps, "/pause 2 saat saxla", language="az")
    paused = chat(deps)
    assert paused.paused_until == NOW + timedelta(hours=2) and paused.pause_keep
    await run(deps, "/pause 1 час 30 мин", chat_id="101", language="ru")
    assert chat(deps, "telegram:101").paused_until == NOW + timedelta(minutes=90)
    wrong = await run(deps, "/pause 2 saat sonra", chat_id="102")
    assert "'2 saat sonra' is not a duration" in wrong.plain()


async def test_weekly_digest_days_in_azerbaijani_and_russian(deps: Deps) -> None:
    for n, (text, weekday) in enumerate((("bazar ertəsi 09:00", 0), ("çərşənbə axşamı", 1),
                                         ("çərşənbə", 2), ("cümə axşamı 18:00", 3),
                                         ("Cümə", 4), ("şənbə", 5), ("bazar", 6),
                                         ("пятница 10:00", 4), ("воскресенье", 6))):
        chat_id = str(300 + n)
        reply = await run(deps, f"/digest weekly {text}", chat_id=chat_id)
        assert "one digest a week" in reply.plain(), text
        assert chat(deps, f"telegram:{chat_id}").subscription.digest_weekday == weekday, text


async def test_a_digest_held_under_the_old_schedule_is_not_owed_after_digest_changes(
    deps: Deps,
) -> None:
    await run(deps, "/digest 23:00")
    held = chat(deps)
    held.digest_held = True  # quiet hours held tonight's digest
    deps.store.save_chat(held)
    await run(deps, "/digest off")
    await run(deps, "/digest 07:00")
    assert not chat(deps).digest_held  # the new 07:00 schedule does not start with a debt
