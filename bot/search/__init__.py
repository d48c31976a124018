"""Full-text search over the stored releases: query syntax (`query`), index keys (`keys`),
the numpy tokeniser (`tokens`), the index and its snapshot (`index`), ranking (`rank`) and
snippets (`snippet`). See `bot.search.index` for how it works."""

from bot.search.index import SearchIndex
from bot.search.query import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    NOTHING_TO_SEARCH,
    SEARCH_HELP,
    ParsedQuery,
    parse_query,
    unknown_topics,
)
from bot.search.rank import Hit, SearchResult

__all__ = [
    "MAX_LIMIT", "MAX_QUERY_CHARS", "MAX_QUERY_TERMS", "NOTHING_TO_SEARCH", "SEARCH_HELP",
    "Hit", "ParsedQuery", "SearchIndex", "SearchResult", "parse_query",
    "unknown_topics",
]
