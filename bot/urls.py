"""URLs as the operator sees them: credentials masked wherever a URL is printed or logged, and
the syntax a feed URL needs (checked by the config, the OPML import and /addfeed alike)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# scheme://userinfo@ : the userinfo runs to the last '@' before the path, as urlsplit reads it
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#\s@]*(?:@[^/?#\s@]*)*)@(?=[^/?#\s@])")


def _masked(match: re.Match[str]) -> str:
    user, colon, _ = match.group(2).partition(":")
    return f"{match.group(1)}{user}:***@" if colon and user else f"{match.group(1)}***@"


def mask_credentials(text: str) -> str:
    """`text` (a URL, or a message holding URLs) with every URL's password shown as ***:
    https://user:secret@host/ -> https://user:***@host/; a userinfo without a password (often
    a token) -> https://***@host/. The one helper used everywhere a URL is printed."""
    if "@" not in text:
        return text
    return _USERINFO.sub(_masked, text)


def has_credentials(url: str) -> bool:
    return mask_credentials(url) != url


def feed_url_problem(url: str) -> str | None:
    """None if `url` is a usable feed URL by its syntax alone (the address checks come at fetch
    time), else what is wrong, as a clause."""
    if not url.strip():
        return "the URL is empty"
    if any(c.isspace() for c in url):
        return "the URL contains spaces"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when the port is not a number 0-65535)
    except ValueError:
        return "the URL's port is not a number from 1 to 65535"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http:// and https:// feed URLs are accepted"
    if not parts.hostname:
        return "the URL has no host name"
    if parts.port == 0:
        return "the URL's port is not a number from 1 to 65535"
    return None


def url_key(url: str) -> tuple[str, str, str, str]:
    """What makes two feed URLs the same feed: scheme and host in any case, with or without a
    trailing slash."""
    parts = urlsplit(url.strip())
    return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/") or "/",
            parts.query)
