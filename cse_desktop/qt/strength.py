"""How hard a passphrase is to guess, in plain words, and the meter that shows it.

:func:`estimate` works out roughly how many guesses (in bits: 2**bits guesses) an attacker who
knows how people choose passwords would need.  No network, no large dependency: a small
version of the idea behind zxcvbn.  The passphrase is split, at the least total cost, into

* common passwords and everyday words (``resources/common-passwords.txt``, most common first),
  including the owner's own name and team, with capitals, look-alike swaps (``p@ssw0rd``) and
  reversed spellings;
* keyboard walks (``qwerty``, ``1qaz2wsx``, ``asdfgh``; UK and US layouts and the number pad);
* sequences (``abc``, ``123``, ``9753``) and repeats (``aaaa``, ``abcabc``);
* years (``1987``) and dates (``01/02/2003``, ``010203``);
* pronounceable runs of letters (about 2.7 bits a letter: real words are far fewer than random
  letters) and separators between words (cheap when the same one is repeated);
* and anything left over, guessed character by character.

Five levels, from the bits: Very weak, Weak, Fair, Strong, Very strong.  A workspace passphrase
must be at least Fair (:data:`MINIMUM_LEVEL`) and pass the store's own rule
(``store.keys.check_new_passphrase``): :func:`check_workspace_passphrase` applies both.

Nothing here keeps the passphrase: no caches, and an :class:`Estimate` holds only numbers and
advice, never the text or parts of it.
"""

from __future__ import annotations

import functools
import html
import logging
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.qt.resources import resource
from cse_desktop.store.keys import MIN_PASSPHRASE_LENGTH, check_new_passphrase

log = logging.getLogger(__name__)


class Level(IntEnum):
    VERY_WEAK = 0
    WEAK = 1
    FAIR = 2
    STRONG = 3
    VERY_STRONG = 4

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Level.VERY_WEAK: "Very weak", Level.WEAK: "Weak", Level.FAIR: "Fair",
           Level.STRONG: "Strong", Level.VERY_STRONG: "Very strong"}

#: Bits at which WEAK, FAIR, STRONG and VERY_STRONG start.  For scale: Fair (40 bits) is about
#: a million million guesses; at the store's Argon2id cost that is decades of one attacker's
#: graphics card.  Three unrelated words come out Strong, four Very strong.
LEVEL_THRESHOLDS = (25.0, 40.0, 55.0, 72.0)
MINIMUM_LEVEL = Level.FAIR

ADVICE_MORE_WORDS = "Add another word or two."
ADVICE_LENGTH = f"Use at least {MIN_PASSPHRASE_LENGTH} characters."
ADVICE_VERY_COMMON = "This is one of the most commonly used passwords."
_ADVICE = {
    "user": "Avoid your own name and your team's name.",
    "common": "Avoid common passwords and everyday words on their own.",
    "keyboard": "Avoid keyboard patterns and sequences, such as qwerty, abc or 123.",
    "sequence": "Avoid keyboard patterns and sequences, such as qwerty, abc or 123.",
    "repeat": "Avoid repeated letters, numbers or words.",
    "year": "Avoid years and dates, such as birthdays.",
    "date": "Avoid years and dates, such as birthdays.",
    "l33t": "Swapping letters for look-alike symbols, like @ for a, is well known and adds "
            "little.",
}
_ADVICE_ORDER = ("user", "common", "keyboard", "sequence", "year", "date", "repeat", "l33t")


@dataclass(frozen=True)
class Estimate:
    """The result of :func:`estimate`: bits of guessing, a level and advice (no passphrase)."""

    bits: float
    level: Level
    #: plain-English advice, most useful first (empty when there is nothing to improve)
    feedback: tuple[str, ...]
    length_ok: bool

    @property
    def label(self) -> str:
        return self.level.label

    @property
    def meets_minimum(self) -> bool:
        return self.length_ok and self.level >= MINIMUM_LEVEL

    def describe(self) -> str:
        """One line for a screen reader or a tooltip: "Weak. Add another word or two."."""
        return " ".join((f"{self.label}.", *self.feedback))


def level_for_bits(bits: float) -> Level:
    level = Level.VERY_WEAK
    for threshold, candidate in zip(LEVEL_THRESHOLDS, list(Level)[1:], strict=True):
        if bits >= threshold:
            level = candidate
    return level


# -- the word list ---------------------------------------------------------------------------


@functools.cache
def common_ranks() -> dict[str, int]:
    """word -> rank (1 = most common) from ``resources/common-passwords.txt``."""
    try:
        text = resource("common-passwords.txt").read_text("utf-8")
    except OSError:
        log.warning("common-passwords.txt missing: the strength meter is less strict")
        return {}
    ranks: dict[str, int] = {}
    for line in text.splitlines():
        word = line.strip().lower()
        if word and not word.startswith("#") and word not in ranks:
            ranks[word] = len(ranks) + 1
    return ranks


def _user_ranks(user_words: Iterable[str]) -> dict[str, int]:
    """The owner's name and team, word by word, as the most likely guesses of all."""
    ranks: dict[str, int] = {}
    for text in user_words:
        for word in re.findall(r"[^\W_]+", text.lower()):
            if len(word) >= 3:
                ranks.setdefault(word, 1)
    return ranks


# -- keyboards --------------------------------------------------------------------------------

# (unshifted row, shifted row, centre of the row's first key in key widths); rows go down.
_UK_ROWS = (("`1234567890-=", "¬!\"£$%^&*()_+", 0.5), ("qwertyuiop[]", "QWERTYUIOP{}", 2.0),
            ("asdfghjkl;'#", "ASDFGHJKL:@~", 2.25), ("\\zxcvbnm,./", "|ZXCVBNM<>?", 1.75))
_US_ROWS = (("`1234567890-=", "~!@#$%^&*()_+", 0.5), ("qwertyuiop[]\\", "QWERTYUIOP{}|", 2.0),
            ("asdfghjkl;'", "ASDFGHJKL:\"", 2.25), ("zxcvbnm,./", "ZXCVBNM<>?", 2.75))
_KEYPAD_ROWS = ((" /*-", "", 0.0), ("789+", "", 0.0), ("456", "", 0.0), ("123", "", 0.0),
                ("0 .", "", 0.0))


@dataclass(frozen=True)
class _Keyboard:
    keys: dict[str, tuple[float, int, bool]]  # char -> (x, row, shifted)
    slanted: bool
    starts: int
    degree: float

    def step(self, a: str, b: str) -> tuple[int, int] | None:
        """The direction from key a to key b, or None if they are not neighbours."""
        pa, pb = self.keys.get(a), self.keys.get(b)
        if pa is None or pb is None:
            return None
        dx, dy = pb[0] - pa[0], pb[1] - pa[1]
        if self.slanted:
            ok = (dy == 0 and abs(dx) == 1) or (abs(dy) == 1 and abs(dx) <= 0.75)
        else:
            ok = max(abs(dx), abs(dy)) == 1
        if not ok:
            return None
        return (0 if dx == 0 else (1 if dx > 0 else -1), dy)


def _keyboard(rows: tuple[tuple[str, str, float], ...], slanted: bool) -> _Keyboard:
    keys: dict[str, tuple[float, int, bool]] = {}
    for y, (plain, shifted, x0) in enumerate(rows):
        for i, ch in enumerate(plain):
            if ch != " ":
                keys.setdefault(ch, (x0 + i, y, False))
        for i, ch in enumerate(shifted):
            keys.setdefault(ch, (x0 + i, y, True))
    board = _Keyboard(keys, slanted, 0, 0.0)
    plain_keys = [k for k, v in keys.items() if not v[2]]
    degrees = [sum(board.step(a, b) is not None for b in plain_keys) for a in plain_keys]
    return _Keyboard(keys, slanted, len(plain_keys), sum(degrees) / len(degrees))


_KEYBOARDS = (_keyboard(_UK_ROWS, True), _keyboard(_US_ROWS, True),
              _keyboard(_KEYPAD_ROWS, False))


# -- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    start: int
    end: int  # exclusive
    bits: float
    kind: str
    rank: int = 0
    l33t: bool = False
    reversed: bool = False


_L33T = {"4": "a", "@": "a", "8": "b", "(": "c", "{": "c", "3": "e", "6": "g", "9": "g",
         "1": "il", "!": "i", "|": "il", "0": "o", "$": "s", "5": "s", "+": "t", "7": "t",
         "2": "z", "%": "x"}
_SEPARATORS = frozenset(" -_.,/+:;|~*")
_VOWELS = frozenset("aeiouy")
_OBVIOUS_STARTS = frozenset("aAzZ019")
#: bits a letter of a pronounceable run costs: a 6-letter word ~ 2**16 guesses
WORD_BITS_PER_LETTER = 16 / 6
MAX_REPEAT_UNIT = 64


def _log2(x: float) -> float:
    return math.log2(max(x, 1.0))


def _cardinality(text: str) -> int:
    size = 0
    if any(c.islower() for c in text):
        size += 26
    if any(c.isupper() for c in text):
        size += 26
    if any(c.isdigit() for c in text):
        size += 10
    if any(not c.isalnum() and c != " " and c.isascii() for c in text):
        size += 33
    if " " in text:
        size += 1
    if any(not c.isascii() for c in text):
        size += 100
    return max(size, 10)


def _caps_bits(token: str) -> float:
    letters = [c for c in token if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    lower = len(letters) - upper
    if upper == 0:
        return 0.0
    if lower == 0 or (upper == 1 and (letters[0].isupper() or letters[-1].isupper())):
        return 1.0
    if re.fullmatch(r"(?:[A-Z][a-z]+)+", token):  # TitleCaseWords
        return 1.0
    return _log2(sum(math.comb(len(letters), k) for k in range(1, min(upper, lower) + 1)))


def _prefixes(words: Iterable[str]) -> frozenset[str]:
    return frozenset(word[:k] for word in words for k in range(1, len(word) + 1))


@functools.cache
def _common_prefixes() -> frozenset[str]:
    return _prefixes(common_ranks())


def _dictionary_matches(pw: str, ranks: dict[str, int], prefixes: frozenset[str],
                        kind: str) -> Iterator[_Match]:
    """Listed words anywhere in ``pw``: any case, look-alike symbols swapped back, reversed.

    From each position the spellings are extended one character at a time and dropped as soon
    as no listed word starts with them, so the work stays small for long passphrases.
    """
    n = len(pw)
    lower = pw.lower()
    for reverse in (False, True):
        text = lower[::-1] if reverse else lower
        for i in range(n):
            spellings = {"": 0}  # spelling so far -> fewest look-alike swaps to get it
            for j in range(i, n):
                c = text[j]
                options = [(c, 0), *((o, 1) for o in _L33T.get(c, "") if o != c)]
                grown: dict[str, int] = {}
                for spelling, swaps in spellings.items():
                    for letter, extra in options:
                        candidate = spelling + letter
                        if candidate in prefixes and swaps + extra < grown.get(candidate, 99):
                            grown[candidate] = swaps + extra
                if not grown:
                    break
                spellings = grown
                if j - i + 1 < 3 and not (i == 0 and j == n - 1):
                    continue
                start, end = (n - 1 - j, n - i) if reverse else (i, j + 1)
                original = pw[start:end]
                for spelling, swaps in spellings.items():
                    rank = ranks.get(spelling)
                    if rank is None or (reverse and spelling == spelling[::-1]):
                        continue
                    if swaps and not any(ch.isalpha() for ch in original):
                        continue  # all symbols: not a disguised word
                    bits = (_log2(rank) + 1 + _caps_bits(original) + min(swaps, 4)
                            + (1 if reverse else 0))
                    yield _Match(start, end, bits, kind, rank, l33t=swaps > 0, reversed=reverse)


def _same_class(a: str, b: str) -> bool:
    return ((a.isdigit() and b.isdigit()) or (a.islower() and b.islower())
            or (a.isupper() and b.isupper())) and a.isascii() and b.isascii()


def _sequence_matches(pw: str) -> Iterator[_Match]:
    n, i = len(pw), 0
    while i < n - 2:
        delta = ord(pw[i + 1]) - ord(pw[i])
        if not (1 <= abs(delta) <= 2 and _same_class(pw[i], pw[i + 1])):
            i += 1
            continue
        j = i + 1
        while j + 1 < n and ord(pw[j + 1]) - ord(pw[j]) == delta and _same_class(pw[j], pw[j + 1]):
            j += 1
        for a in range(i, j - 1):
            for b in range(a + 3, j + 2):
                first = pw[a]
                base = 4 if first in _OBVIOUS_STARTS else (10 if first.isdigit() else 26)
                bits = _log2(base * (b - a)) + (1 if delta < 0 else 0) + (1 if abs(delta) == 2
                                                                          else 0)
                yield _Match(a, b, bits, "sequence")
        i = j


def _spatial_guesses(length: int, turns: int, shifted: int, board: _Keyboard) -> float:
    guesses = 0.0
    for i in range(2, length + 1):
        for j in range(1, min(turns, i - 1) + 1):
            guesses += math.comb(i - 1, j - 1) * board.starts * board.degree ** j
    unshifted = length - shifted
    if shifted:
        guesses *= 2 if unshifted == 0 else sum(
            math.comb(length, k) for k in range(1, min(shifted, unshifted) + 1))
    return guesses


def _keyboard_matches(pw: str) -> Iterator[_Match]:
    n = len(pw)
    for board in _KEYBOARDS:
        i = 0
        while i < n - 2:
            j, turns, last = i, 0, None
            while j + 1 < n:
                direction = board.step(pw[j], pw[j + 1])
                if direction is None:
                    break
                if direction != last:
                    turns, last = turns + 1, direction
                j += 1
            length = j - i + 1
            if length >= 3:
                shifted = sum(board.keys[c][2] for c in pw[i:j + 1])
                yield _Match(i, j + 1, _log2(_spatial_guesses(length, turns, shifted, board)),
                             "keyboard")
                i = j
            else:
                i += 1


def _year_space(year: int) -> float:
    return max(abs(year - date.today().year), 20)


def _valid_date(day: int, month: int, year: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2049


def _full_year(text: str) -> int:
    value = int(text)
    if len(text) == 2:
        return value + (1900 if value > 49 else 2000)
    return value


def _date_matches(pw: str) -> Iterator[_Match]:
    n = len(pw)
    for i in range(n - 3):  # years, anywhere in a run of digits
        token = pw[i:i + 4]
        if token.isdigit() and 1900 <= int(token) <= 2049:
            yield _Match(i, i + 4, _log2(_year_space(int(token))), "year")
    for length in (6, 8):  # ddmmyy, yymmdd, mmddyy, ddmmyyyy, mmddyyyy, yyyymmdd
        for i in range(n - length + 1):
            token = pw[i:i + length]
            if not (token.isdigit() and token.isascii()):
                continue
            y = 2 if length == 6 else 4
            splits = ((token[:2], token[2:4], token[4:]), (token[2:4], token[:2], token[4:]),
                      (token[-2:], token[-4:-2], token[:y]))
            for day, month, year in splits:
                full = _full_year(year)
                if _valid_date(int(day), int(month), full):
                    yield _Match(i, i + length, _log2(365 * _year_space(full)), "date")
                    break
    pattern = re.compile(r"(?<!\d)(\d{1,4})([\s/\\_.-])(\d{1,2})\2(\d{2}|\d{4})(?!\d)")
    for m in pattern.finditer(pw):
        a, b, c = m.group(1), m.group(3), m.group(4)
        candidates = ((int(a), int(b), c), (int(b), int(a), c))
        if len(a) == 4:
            candidates = ((int(c), int(b), a),)
        for day, month, year in candidates:
            full = _full_year(year)
            if len(year) in (2, 4) and _valid_date(day, month, full):
                yield _Match(m.start(), m.end(), _log2(365 * _year_space(full)) + 2, "date")
                break


def _pronounceable(word: str) -> bool:
    if len(word) < 3 or not word.isascii() or not word.isalpha():
        return False
    vowels = sum(c in _VOWELS for c in word)
    if not 0.2 <= vowels / len(word) <= 0.8:
        return False
    return not (re.search(r"[^aeiouy]{5,}", word) or re.search(r"(.)\1\1", word))


def _word_matches(pw: str) -> Iterator[_Match]:
    """Pronounceable runs of letters: plain, and with look-alike symbols read as letters."""
    n = len(pw)

    def is_letter(i: int) -> bool:
        return pw[i].isalpha()

    def reads_as_letter(i: int) -> bool:
        return pw[i].isalpha() or (pw[i] in _L33T and (
            (i > 0 and pw[i - 1].isalpha()) or (i + 1 < n and pw[i + 1].isalpha())))

    for test, swapped in ((is_letter, False), (reads_as_letter, True)):
        i = 0
        while i < n:
            if not test(i):
                i += 1
                continue
            j = i
            while j < n and test(j):
                j += 1
            original = pw[i:j]
            swaps = sum(1 for c in original if not c.isalpha())
            if swapped and not swaps:
                i = j
                continue
            spelling = "".join(c.lower() if c.isalpha() else _L33T[c][0] for c in original)
            if _pronounceable(spelling):
                bits = (WORD_BITS_PER_LETTER * len(original) + _caps_bits(original)
                        + min(swaps, 4))
                yield _Match(i, j, bits, "word", l33t=bool(swaps))
            i = j


def _separator_matches(pw: str) -> Iterator[_Match]:
    seen: set[str] = set()
    for m in re.finditer(r"[" + re.escape("".join(sorted(_SEPARATORS))) + r"]+", pw):
        run = m.group()
        if len(run) > 3:
            continue
        bits = 0.0 if run in seen else len(run) * _log2(len(_SEPARATORS))
        seen.add(run)
        yield _Match(m.start(), m.end(), bits, "separator")


def _repeat_matches(pw: str, charset: int, memo: dict[str, float],
                    ranks: dict[str, int], user: dict[str, int]) -> Iterator[_Match]:
    n = len(pw)
    for i in range(n):
        for unit_len in range(1, min(MAX_REPEAT_UNIT, (n - i) // 2) + 1):
            unit = pw[i:i + unit_len]
            if i >= unit_len and pw[i - unit_len:i] == unit:
                continue  # inside a repeat already found from its start
            count, k = 1, i + unit_len
            while pw[k:k + unit_len] == unit:
                count, k = count + 1, k + unit_len
            if count < 2 or (unit_len == 1 and count < 3):
                continue
            if unit_len == 1:
                base = _log2(charset)
            else:
                if unit not in memo:
                    memo[unit] = _best_bits(unit, charset, memo, ranks, user)[0]
                base = memo[unit]
            yield _Match(i, k, base + _log2(count), "repeat")


def _best_bits(pw: str, charset: int, memo: dict[str, float], ranks: dict[str, int],
               user: dict[str, int]) -> tuple[float, list[_Match], list[_Match]]:
    """The cheapest way to build ``pw`` from matches and single guessed characters."""
    n = len(pw)
    matches: list[_Match] = [
        *_dictionary_matches(pw, ranks, _common_prefixes() if ranks is common_ranks()
                             else _prefixes(ranks), "common"),
        *_dictionary_matches(pw, user, _prefixes(user), "user"),
        *_sequence_matches(pw),
        *_keyboard_matches(pw),
        *_date_matches(pw),
        *_word_matches(pw),
        *_separator_matches(pw),
        *_repeat_matches(pw, charset, memo, ranks, user),
    ]
    ending: dict[int, list[_Match]] = {}
    for match in matches:
        ending.setdefault(match.end, []).append(match)
    per_char = _log2(charset)
    best = [0.0] * (n + 1)
    back: list[_Match | None] = [None] * (n + 1)
    for j in range(1, n + 1):
        best[j], back[j] = best[j - 1] + per_char, None
        for match in ending.get(j, ()):
            cost = best[match.start] + match.bits
            if cost < best[j]:
                best[j], back[j] = cost, match
    chosen: list[_Match] = []
    j = n
    while j > 0:
        match = back[j]
        if match is None:
            j -= 1
        else:
            chosen.append(match)
            j = match.start
    return best[n], chosen[::-1], matches


def estimate(passphrase: str, user_words: Iterable[str] = ()) -> Estimate:
    """How hard ``passphrase`` is to guess.  ``user_words``: the owner's name, team..."""
    length_ok = len(passphrase) >= MIN_PASSPHRASE_LENGTH
    if not passphrase:
        return Estimate(0.0, Level.VERY_WEAK, (ADVICE_LENGTH,), False)
    ranks, user = common_ranks(), _user_ranks(user_words)
    bits, chosen, matches = _best_bits(passphrase, _cardinality(passphrase), {}, ranks, user)
    level = level_for_bits(bits)
    advice = _feedback(passphrase, level, chosen, matches, length_ok)
    return Estimate(round(bits, 1), level, advice, length_ok)


def _feedback(pw: str, level: Level, chosen: list[_Match], matches: list[_Match],
              length_ok: bool) -> tuple[str, ...]:
    """At most two pieces of advice: the main problem, then "Add another word or two."."""
    problems: list[str] = []
    whole = [m for m in chosen if m.start == 0 and m.end == len(pw) and m.kind == "common"]
    if whole and whole[0].rank <= 100 and not whole[0].reversed and not whole[0].l33t:
        problems.append(ADVICE_VERY_COMMON)
    if not length_ok:
        problems.append(ADVICE_LENGTH)
    kinds = {m.kind for m in chosen} | ({"l33t"} if any(m.l33t for m in chosen) else set())
    # A listed password that is also a keyboard walk or a sequence ("asdfgh", "12345"): say so.
    patterns = {(m.start, m.end): m.kind for m in matches if m.kind in ("keyboard", "sequence")}
    kinds |= {patterns[m.start, m.end] for m in chosen
              if m.kind == "common" and (m.start, m.end) in patterns}
    common_chars = sum(m.end - m.start for m in chosen if m.kind == "common")
    if common_chars * 2 < len(pw):  # a common word among others is fine
        kinds.discard("common")
    for kind in _ADVICE_ORDER:
        if kind in kinds and _ADVICE[kind] not in problems:
            problems.append(_ADVICE[kind])
    if level >= Level.STRONG:
        return () if length_ok else (ADVICE_LENGTH,)
    return (*problems[:1], ADVICE_MORE_WORDS)


def refusal_message(result: Estimate) -> str:
    """The inline message when a passphrase is below the minimum."""
    advice = " ".join(result.feedback) or ADVICE_MORE_WORDS
    return (f"This passphrase is too easy to guess: it is rated {result.label}, and a workspace "
            f"passphrase must be rated {MINIMUM_LEVEL.label} or better. {advice}")


def check_workspace_passphrase(passphrase: str, user_words: Iterable[str] = ()) -> Estimate:
    """The store's rule, then the strength minimum; raises ValidationFailed in plain words."""
    check_new_passphrase(passphrase)
    result = estimate(passphrase, user_words)
    if not result.meets_minimum:
        raise ValidationFailed(refusal_message(result))
    return result


# -- the meter ----------------------------------------------------------------------------------

EMPTY_TEXT = "Strength shows here as you type."


class StrengthMeter(QWidget):
    """Five bars and words: "Strength: Weak. Add another word or two.".

    The words carry the meaning; the bar's length and colour only repeat them.  The widget's
    accessible name is "Passphrase strength" and its accessible description the level and advice
    (announced when the level changes).  It keeps no passphrase, only the last estimate.
    """

    SEGMENTS = len(Level)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("strengthMeter")
        self.setAccessibleName("Passphrase strength")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 6)  # apart from the hint below
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.segments: list[QFrame] = []
        for _ in range(self.SEGMENTS):
            segment = QFrame()
            segment.setObjectName("strengthSegment")
            segment.setFixedHeight(6)
            segment.setProperty("level", "none")
            bar.addWidget(segment)
            self.segments.append(segment)
        layout.addLayout(bar)
        self.label = QLabel()
        self.label.setObjectName("strengthLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label)
        self._estimate: Estimate | None = None
        self.clear()

    @property
    def last_estimate(self) -> Estimate | None:
        """The estimate shown, or None while the passphrase is empty."""
        return self._estimate

    @property
    def level(self) -> Level | None:
        return None if self._estimate is None else self._estimate.level

    def text(self) -> str:
        """The words shown, as plain text."""
        return self.accessibleDescription() if self._estimate else EMPTY_TEXT

    def update_for(self, passphrase: str, user_words: Iterable[str] = ()) -> Estimate | None:
        """Show the strength of ``passphrase`` (an empty one clears the meter)."""
        if not passphrase:
            self.clear()
            return None
        result = estimate(passphrase, user_words)
        changed = self._estimate is None or result.level != self._estimate.level
        self._estimate = result
        advice = " ".join(result.feedback)
        self.label.setText(f"<b>Strength: {html.escape(result.label)}.</b> "
                           f"{html.escape(advice)}")
        self.label.setProperty("level", str(int(result.level)))
        self._paint_segments(result.level)
        self.setAccessibleDescription(f"Strength: {result.describe()}")
        if changed:
            self._announce()
        return result

    def clear(self) -> None:
        self._estimate = None
        self.label.setText(html.escape(EMPTY_TEXT))
        self.label.setProperty("level", "none")
        self._paint_segments(None)
        self.setAccessibleDescription(EMPTY_TEXT)

    def _paint_segments(self, level: Level | None) -> None:
        for index, segment in enumerate(self.segments):
            value = "none" if level is None or index > level else str(int(level))
            segment.setProperty("level", value)
            segment.style().unpolish(segment)
            segment.style().polish(segment)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)

    def _announce(self) -> None:
        if QAccessible.isActive():
            QAccessible.updateAccessibility(
                QAccessibleEvent(self, QAccessible.Event.DescriptionChanged))
