"""How damaged a release's text is: replacement characters and mojibake. An update of a stored
release whose text is more damaged than the stored one is ignored (`degrades`), so a feed that
serves one bad poll (a broken encoding, a cut byte) never overwrites good text."""

from __future__ import annotations

import re

from bot.models import Item

# UTF-8 read as Latin-1/windows-1252 ("Ã©", "â€™", "Ð¢"), and a Cyrillic code page read as
# windows-1252: words made only of Latin-1 letters ("Òàìîæíÿ"), which no real language writes
_MOJIBAKE = re.compile(
    r"[ÃÂÐÑ][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]|â€|\b[\u00c0-\u00ff]{4,}\b"
)


def damage(text: str) -> int:
    """Replacement characters plus mojibake sequences in `text`."""
    return text.count("\ufffd") + len(_MOJIBAKE.findall(text))


def degrades(update: Item, stored: Item | None) -> bool:
    """Whether `update` would replace the stored text with a more damaged one."""
    if stored is None:
        return False
    return damage(f"{update.title}\n{update.body}") > damage(f"{stored.title}\n{stored.body}")
