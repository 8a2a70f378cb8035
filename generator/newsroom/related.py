"""Related entries: the ones sharing most people and topics with an entry, newest first.

An entry scores 2 for every person it shares and 1 for every topic; ties go to the
newer entry. Counting candidates pair by pair would be quadratic when one person is in
most of the news (a head of state usually is), so each person and topic becomes a bit
set over entries (bit i is the i-th newest), and an entry's scores are summed for all
entries at once with a bit-sliced adder: a handful of big-integer operations per
person or topic of the entry, each running over N/64 machine words in C.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.model import Entry, Subject

PERSON_WEIGHT = 2
TOPIC_WEIGHT = 1
RELATED_LIMIT = 5


def related_entries(
    entries: Sequence[Entry], limit: int = RELATED_LIMIT, only: Sequence[int] | None = None
) -> list[list[Entry]]:
    """For each entry (newest first, as the site lists them), its related entries; with
    `only`, for the entries at those positions alone, in that order."""
    wanted = range(len(entries)) if only is None else only
    rank = {id(e): i for i, e in enumerate(entries)}
    members: dict[int, int] = {}  # id(person or topic) -> bit set of its entries' ranks
    for i in wanted:
        subjects: list[Subject] = [*entries[i].people, *entries[i].topics]
        for item in subjects:
            if id(item) not in members:
                members[id(item)] = _bits(rank[id(e)] for e in item.entries if id(e) in rank)
    related = []
    for i in wanted:
        entry = entries[i]
        groups = [(PERSON_WEIGHT, members[id(p)]) for p in entry.people]
        groups += [(TOPIC_WEIGHT, members[id(t)]) for t in entry.topics]
        related.append([entries[j] for j in _best(groups, i, limit)])
    return related


def _bits(ranks: Iterable[int]) -> int:
    flags = bytearray()
    for r in ranks:
        byte = r >> 3
        if byte >= len(flags):
            flags.extend(bytes(byte + 1 - len(flags)))
        flags[byte] |= 1 << (r & 7)
    return int.from_bytes(flags, "little")


def _best(groups: list[tuple[int, int]], own: int, limit: int) -> list[int]:
    """Ranks of the best `limit` entries by score, then rank; `own` is left out."""
    if not groups:
        return []
    planes: list[int] = []  # planes[k]: entries whose score has bit k set
    anyone = 0
    for weight, bits in groups:
        anyone |= bits
        for shift in range(weight.bit_length()):
            if weight >> shift & 1:
                _add(planes, bits, shift)
    anyone &= ~(1 << own)
    found: list[int] = []
    for score in range(sum(w for w, _ in groups), 0, -1):
        exact = anyone
        for k, plane in enumerate(planes):
            exact = exact & plane if score >> k & 1 else exact & ~plane
            if not exact:
                break
        while exact and len(found) < limit:
            low = exact & -exact
            found.append(low.bit_length() - 1)
            exact ^= low
        if len(found) == limit:
            break
    return found


def _add(planes: list[int], bits: int, k: int) -> None:
    """Add 2**k to the score of every entry in `bits`, rippling the carry upwards."""
    while len(planes) < k:
        planes.append(0)
    carry = bits
    while carry:
        if k == len(planes):
            planes.append(carry)
            return
        planes[k], carry = planes[k] ^ carry, planes[k] & carry
        k += 1
