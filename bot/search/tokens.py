"""Texts -> term ids, vectorised with numpy (building the index is mostly this).

A Python object per token (a str from findall, a dict entry, an append) was the cost of
building: 100,000 releases are 12 million tokens. So numpy finds the *byte tokens* (runs of
ASCII letters and digits and non-ASCII characters) in a chunk's UTF-8 bytes, hashes them
(`_hash_tokens`) and looks them up in a table of known tokens (`_TokenTable`); Python runs
only once per token never seen before (its words found, case-folded and stemmed: `doc_key`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from itertools import chain

import numpy as np

from bot.search.keys import doc_key
from bot.text import words

_MEMO_MAX = 500_000  # distinct tokens remembered (their term ids), forgotten beyond that
_HASH_MAX = 64  # byte tokens longer than this are not hashed but resolved one by one

# the bytes of byte tokens in UTF-8 text: ASCII letters and digits, and every byte of a
# non-ASCII character (other ASCII characters, "_" too, separate words, as in `words`)
_WORD_BYTE = np.zeros(256, np.bool_)
for _lo, _hi in ("09", "AZ", "az"):
    _WORD_BYTE[ord(_lo):ord(_hi) + 1] = True
_WORD_BYTE[0x80:] = True
_WORD_BYTES = _WORD_BYTE.tobytes()  # the same as a bytes.translate table: 1 for a word byte
# Byte tokens are told apart by a 64-bit hash (`_hash_tokens`): multiply-xorshift rounds over
# the token's 8-byte blocks, keyed by odd multipliers and a salt drawn at random in each
# process, so no one can prepare colliding words (and nothing keyed by the hashes is saved).
# Tokens of up to 8 bytes of the same length and mode cannot collide (each step is a
# bijection, bar the hash 0 made 1); other pairs collide with odds of about 2^-64, so among
# the ~10^6 distinct words an archive may have, a collision is a one in 10^7 event. Its
# effect would be two words sharing a term id (a search for one also finding the other):
# harmless.
_U64_MASK = (1 << 64) - 1
_MUL_1 = np.uint64(secrets.randbits(64) | 1)
_MUL_2 = np.uint64(secrets.randbits(64) | 1)
_SALT = np.uint64(secrets.randbits(64))
_ODD = 1 << 31  # and up: stand-ins for the term ids of a byte token not exactly one word
_LOW_BYTES = np.array([(1 << 8 * n) - 1 for n in range(8)] + [_U64_MASK], np.uint64)


class _TokenTable:
    """Token hash -> term id: an open-addressing hash table (linear probing) in numpy arrays,
    so that looking up all the tokens of a chunk takes a few array operations. Hash 0 marks a
    free slot. At most a quarter full, so most tokens are found in their first slot."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.size = 0
        self._allocate(1 << 16)

    def _allocate(self, capacity: int) -> None:
        self.keys = np.zeros(capacity, np.uint64)
        self.vals = np.zeros(capacity, np.uint32)
        self.shift = np.uint64(65 - capacity.bit_length())  # top bits: the first slot

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value of each hash (anything for a missing one), and where the missing are."""
        mask = self.keys.size - 1
        pos = (hashes >> self.shift).astype(np.int64)
        found = self.keys[pos]
        values = self.vals[pos]
        todo = np.flatnonzero(found != hashes)
        missing = []
        while todo.size:
            empty = found[todo] == 0
            missing.append(todo[empty])
            todo = todo[~empty]  # another hash in the slot: try the next one
            at = (pos[todo] + 1) & mask
            pos[todo] = at
            found[todo] = self.keys[at]
            hit = found[todo] == hashes[todo]
            values[todo[hit]] = self.vals[at[hit]]
            todo = todo[~hit]
        return values, np.concatenate(missing) if missing else todo

    def insert(self, hashes: np.ndarray, values: np.ndarray) -> None:
        """Add distinct hashes that are not in the table."""
        self.size += hashes.size
        if 4 * self.size > self.keys.size:
            keys, vals = self.keys, self.vals
            used = keys != 0
            self._allocate(1 << (4 * self.size).bit_length())
            self._place(keys[used], vals[used])
        self._place(hashes, values)

    def _place(self, hashes: np.ndarray, values: np.ndarray) -> None:
        mask = self.keys.size - 1
        pos = (hashes >> self.shift).astype(np.int64)
        todo = np.arange(hashes.size)
        while todo.size:
            free = todo[self.keys[pos[todo]] == 0]
            # of the hashes wanting the same free slot, the first takes it
            slots, first = np.unique(pos[free], return_index=True)
            self.keys[slots] = hashes[free[first]]
            self.vals[slots] = values[free[first]]
            todo = todo[self.keys[pos[todo]] != hashes[todo]]
            pos[todo] = (pos[todo] + 1) & mask


def _hash_tokens(data: bytes, starts: np.ndarray, lens: np.ndarray, az: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token ``data[start:start + len]`` (len <= _HASH_MAX; `data` has
    8 bytes to spare at its end) and its tokenisation mode (`az`): the seed is the length and
    mode, then for each 8-byte block h = (h ^ block) * _MUL_1, h ^= h >> 29. Every token has
    a first block; the later rounds run on the tokens that are long enough."""
    # every 8 bytes of `data` starting at any offset, as little-endian integers (no copy)
    blocks = np.ndarray((len(data) - 7,), "<u8", data, 0, (1,))
    h = (lens << 1).view(np.uint64)
    h |= az
    h *= _MUL_2
    h ^= _SALT
    block = blocks[starts]
    block &= np.take(_LOW_BYTES, lens, mode="clip")  # the token's bytes, 8 at most
    h ^= block
    h *= _MUL_1
    h ^= h >> np.uint64(29)
    active = np.flatnonzero(lens > 8)
    for at in range(8, _HASH_MAX, 8):
        if not active.size:
            break
        rest = lens[active] - at
        block = blocks[starts[active] + at] & np.take(_LOW_BYTES, rest, mode="clip")
        x = (h[active] ^ block) * _MUL_1
        h[active] = x ^ (x >> np.uint64(29))
        active = active[rest > 8]
    h[h == 0] = 1  # 0 marks a free slot of _TokenTable
    return h


class ByteTokens:
    """Turns texts into the term ids of their words; `tid` gives (or makes) a key's term id.

    Remembers each byte token's term id (by hash, never saved: the hashes are keyed per
    process); _ODD + i for a token of no or several words (their term ids: `_odd_tids[i]`).
    """

    def __init__(self, tid: Callable[[str], int]) -> None:
        self._tid = tid
        self._token_table = _TokenTable()
        self._odd_tids: list[tuple[int, ...]] = []

    def term_ids(self, texts: list[str], az: list[bool]) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of ``words(text)`` for every text, concatenated, and how many words
        each text has. `az[i]`: text i is tokenised in the "az" mode (see `doc_key`).

        ``words(text)`` is the concatenation of ``words(token)`` over the text's *byte tokens*
        (runs of ASCII letters and digits and non-ASCII characters), so the costly
        normalisation can wait for the distinct tokens (`_byte_term_ids`): `fold_case` works
        character by character, except for NFC, which never joins a letter or digit across an
        ASCII character (the only compositions with one are "<", "=", ">" + U+0338, which make
        no letter), and for the lower case of "Σ", which depends on the letters around it, even
        across punctuation ("A'Σ"): the rare text with a "Σ" is tokenised with `words` here.
        """
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]  # lone ones too
        sigma = [i for i, text in enumerate(texts) if "Σ" in text]
        for i in sigma:
            encoded[i] = b""
        tids, words_per_text = self._byte_term_ids(encoded, az)
        if sigma:
            found = [[self._tid(doc_key(w, "az" if az[i] else "en")) for w in words(texts[i])]
                     for i in sigma]
            counts = list(map(len, found))
            at = (np.cumsum(words_per_text) - words_per_text)[sigma]
            tids = np.insert(tids, np.repeat(at, counts), list(chain.from_iterable(found)))
            words_per_text[sigma] = counts
        return tids, words_per_text

    def _byte_term_ids(
        self, encoded: list[bytes], az: list[bool]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`term_ids` of UTF-8 texts without a "Σ". numpy finds the byte tokens, hashes them
        and looks them up in the table of known tokens (`_TokenTable`, kept across chunks);
        Python runs once per new token and once per very long token, taking
        ``words(token)``. A token is almost always one word;
        the few that are not ("«", "—": none; "5\xa0000", "a\u037eb": two) are expanded at the
        end. Lone surrogates pass through as bytes."""
        sizes = np.fromiter(map(len, encoded), np.int64, len(encoded))
        # one separator byte before every text and after the last, then 8 bytes of padding
        # so that reading 8 bytes at any token start stays inside the buffer
        joined = b"\n".join(chain((b"",), encoded, (bytes(8),)))
        text_ends = np.cumsum(sizes + 1)  # where each text ends in `joined`
        is_word = np.frombuffer(joined.translate(_WORD_BYTES), np.bool_)
        edges = np.flatnonzero(is_word[1:] != is_word[:-1])
        edges += 1
        starts, ends = edges[0::2], edges[1::2]
        if not starts.size:
            return np.zeros(0, np.uint32), np.zeros(len(encoded), np.int64)
        lens = ends - starts
        token_at = np.searchsorted(starts, text_ends - sizes)  # each text's first token
        tokens_per_text = np.searchsorted(starts, text_ends) - token_at
        tok_az = np.repeat(np.asarray(az, np.bool_), tokens_per_text)

        # tokens -> groups (one per distinct hash, then one per very long token)
        long = np.flatnonzero(lens > _HASH_MAX)
        if long.size:
            short = np.flatnonzero(lens <= _HASH_MAX)
            hashes = _hash_tokens(joined, starts[short], lens[short], tok_az[short])
        else:
            short, hashes = None, _hash_tokens(joined, starts, lens, tok_az)
        table = self._token_table
        if table.size + len(self._odd_tids) > _MEMO_MAX:  # forget them all, now and then
            table.clear()
            self._odd_tids.clear()
        hashed, missing = table.lookup(hashes)
        if missing.size:  # new tokens: each distinct one resolved once
            distinct, first, where = np.unique(hashes[missing], return_index=True,
                                               return_inverse=True)
            index = missing[first] if short is None else short[missing[first]]
            new = np.array([self._token_tids(joined[starts[t]:ends[t]], bool(tok_az[t]))
                            for t in index.tolist()], np.uint32)
            table.insert(distinct, new)
            hashed[missing] = new[where]
        if short is None:
            tids = hashed
        else:
            tids = np.empty(len(starts), np.uint32)
            tids[short] = hashed
            tids[long] = [self._token_tids(joined[starts[t]:ends[t]], bool(tok_az[t]))
                          for t in long.tolist()]
        special = np.flatnonzero(tids >= _ODD)
        if not special.size:
            return tids, tokens_per_text
        # tokens of no words ("«", "—") or several ("5\xa0000"): expand with np.repeat, then
        # fill in the extra words
        found = list(map(self._odd_tids.__getitem__, (tids[special] - _ODD).tolist()))
        extra = np.array(list(map(len, found)), np.int64) - 1  # words beyond one per token
        counts = np.ones(tids.size, np.int64)
        counts[special] = extra + 1
        tids = np.repeat(tids, counts)
        at = special + np.cumsum(extra) - extra  # where each special token's words go
        for k in np.flatnonzero(extra > 0).tolist():
            tids[at[k]:at[k] + extra[k] + 1] = found[k]
        text_of = np.searchsorted(token_at, special, side="right") - 1
        words_per_text = tokens_per_text + np.bincount(text_of, extra, len(encoded)).astype(
            np.int64)
        return tids, words_per_text

    def _token_tids(self, token: bytes, az: bool) -> int:
        """The term id of a byte token's word; _ODD + i if it has not exactly one word (then
        `_odd_tids[i]` holds the term ids)."""
        mode = "az" if az else "en"
        found = words(token.decode("utf-8", "surrogatepass"))
        if len(found) == 1:
            return self._tid(doc_key(found[0], mode))
        self._odd_tids.append(tuple(self._tid(doc_key(word, mode)) for word in found))
        return _ODD + len(self._odd_tids) - 1
