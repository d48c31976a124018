"""Telegram's HTML, as the Bot API parses it for parse_mode=HTML: the fake server's validator.

Allowed tags, the four named entities and numeric ones, nesting, `href` protocols; errors worded
as Telegram's 400 "Can't parse entities" answers. Lengths are counted in UTF-16 code units.
"""

from __future__ import annotations

import re

_ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
    "tg-spoiler", "tg-emoji", "blockquote",
})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TOKEN_RE = re.compile(
    r"<(?P<end>/?)(?P<tag>[a-zA-Z][\w-]*)(?P<attrs>(?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'"
    r"|[^\s>\"']+))?)*)\s*>"
    r"|&(?P<ent>#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);"
    r"|(?P<bad>[<&])"
)
_ATTR_RE = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")


class HtmlError(ValueError):
    pass


def _entity(name: str) -> str:
    if name.startswith(("#x", "#X")):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name]
    raise HtmlError(f'Unsupported HTML entity "&{name};"')


class _ByteOffset:
    """A byte offset for error messages, computed only when one is shown."""

    __slots__ = ("text", "index")

    def __init__(self, text: str, index: int) -> None:
        self.text, self.index = text, index

    def __str__(self) -> str:
        return str(len(self.text[:self.index].encode()))


def parse_telegram_html(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Parse like Telegram does for parse_mode=HTML: (plain text, [(tag, href)]) or HtmlError."""
    out: list[str] = []
    stack: list[str] = []
    tags: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN_RE.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        offset = _ByteOffset(text, m.start())
        if m.group("bad"):
            what = "start tag" if m.group("bad") == "<" else "character '&'"
            raise HtmlError(f"Can't parse entities: unexpected {what} at byte offset {offset}")
        if m.group("ent"):
            try:
                out.append(_entity(m.group("ent")))
            except (HtmlError, ValueError) as exc:
                raise HtmlError(f"Can't parse entities: {exc} at byte offset {offset}") from None
            continue
        tag = m.group("tag").lower()
        if m.group("end"):
            if not stack:
                raise HtmlError(f"Can't parse entities: unexpected end tag at byte offset "
                                f"{offset}")
            if stack[-1] != tag:
                raise HtmlError(f'Can\'t parse entities: unmatched end tag at byte offset '
                                f'{offset}, expected "</{stack[-1]}>", found "</{tag}>"')
            stack.pop()
            continue
        if tag not in _ALLOWED_TAGS:
            raise HtmlError(f'Can\'t parse entities: unsupported start tag "{tag}" at byte '
                            f'offset {offset}')
        href = ""
        if tag == "a":
            for name, v1, v2, v3 in _ATTR_RE.findall(m.group("attrs")):
                if name.lower() == "href":
                    href = re.sub(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-z]+);",
                                  lambda e: _entity(e.group(1)), v1 or v2 or v3)
            if href and not re.match(r"^(https?|tg)://", href):
                raise HtmlError(f"Can't parse entities: unsupported URL protocol in {href!r}")
        stack.append(tag)
        tags.append((tag, href))
    if stack:
        raise HtmlError(f'Can\'t parse entities: can\'t find end tag corresponding to start '
                        f'tag "{stack[-1]}"')
    out.append(text[pos:])
    return "".join(out), tags


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
