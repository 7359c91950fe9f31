"""The one rule for a new passphrase: long enough, and hard enough to guess.

Every place a passphrase is *set* applies it: :meth:`Workspace.create`, the passphrase change
and the new passphrase chosen after a recovery, so the desktop and the command line refuse the
same passphrases with the same words.  Unlocking with an existing passphrase never meets it.

How hard a passphrase is to guess comes from zxcvbn (the maintained port of Dropbox's
estimator): common passwords, everyday words, names, keyboard patterns, sequences, repeats,
dates and look-alike swaps (``p@ssw0rd``), plus the owner's name and team and the app's own
words (:data:`APP_WORDS`).  zxcvbn reads a space between words as a guessed character, which
flatters passphrases made of guessable words; so the words are also scored run together, as an
attacker joining words with a separator would try them, and a passphrase made only of the
owner's and the app's words is counted as a few guesses per word; the lowest estimate counts.

Five levels from the estimated number of guesses (:data:`LEVEL_THRESHOLDS`); a workspace
passphrase must be at least :data:`MINIMUM_LEVEL` (Fair: ten thousand million guesses, zxcvbn's
own top band, which at the store's Argon2id cost is years of an attacker's computer), at least
:data:`MIN_PASSPHRASE_LENGTH` characters, and use at least four different characters.

A :class:`Verdict` holds only a level, numbers and advice, never the passphrase or part of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from zxcvbn import zxcvbn

from cse_desktop.domain.errors import WeakPassphrase
from cse_desktop.store.keys import MAX_SECRET_LENGTH, MIN_PASSPHRASE_LENGTH

MIN_DIFFERENT_CHARACTERS = 4
#: zxcvbn refuses longer input (its work grows fast with length); only the start is scored,
#: which can only make the estimate lower
ZXCVBN_MAX_LENGTH = 72
#: words of the app and of the work: an attacker who knows whose laptop it is tries them first
APP_WORDS = ("cse", "desktop", "safeguarding", "exploitation")


class Level(IntEnum):
    """The verdict's score, 0 to 4."""

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

#: log10 of the guesses at which WEAK, FAIR, STRONG and VERY_STRONG start.  Fair starts where
#: zxcvbn's own top score does (10**10); three unrelated words mostly come out Strong, four
#: Very strong.
LEVEL_THRESHOLDS = (6.0, 10.0, 12.0, 15.0)
MINIMUM_LEVEL = Level.FAIR

ADVICE_MORE_WORDS = "Add another word or two."
ADVICE_LENGTH = f"Use at least {MIN_PASSPHRASE_LENGTH} characters."
ADVICE_VERY_COMMON = "This is one of the most commonly used passwords."
ADVICE_COMMON = "Avoid common passwords on their own."
ADVICE_USER = "Avoid your own name and your team's name."
ADVICE_APP = "Avoid the name of the app and words from your work, such as CSE or safeguarding."
ADVICE_KEYBOARD = "Avoid keyboard patterns and sequences, such as qwerty, abc or 123."
ADVICE_DATES = "Avoid years and dates, such as birthdays."
ADVICE_REPEATS = "Avoid repeated letters, numbers or words."
ADVICE_LOOKALIKES = ("Swapping letters for look-alike symbols, like @ for a, is well known and "
                     "adds little.")

TOO_SHORT = f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long."
TOO_LONG = f"The passphrase is too long ({MAX_SECRET_LENGTH:,} characters at most)."
TOO_SIMPLE = "The passphrase is too simple: use several different characters."

_SEPARATORS = re.compile(r"[\s\-_.,/+:;]+")
#: keyboard rows and runs: a listed password inside one ("asdfgh", "12345") is a pattern too
_PATTERN_RUNS = ("`1234567890-=", "=-0987654321`", "qwertyuiop[]", "][poiuytrewq", "asdfghjkl;'",
                 "';lkjhgfdsa", "zxcvbnm,./", "/.,mnbvcxz", "1qaz2wsx3edc4rfv5tgb6yhn",
                 "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba", "7894561230")


@dataclass(frozen=True)
class Verdict:
    """How a new passphrase fares against the rule (it holds no part of the passphrase)."""

    score: Level
    acceptable: bool
    #: why it is refused, in one plain sentence ("" when it is acceptable)
    reason: str
    #: what would make it stronger, most useful first (empty from Strong up)
    suggestions: tuple[str, ...]
    #: log10 of the estimated guesses
    guesses_log10: float

    @property
    def label(self) -> str:
        return self.score.label

    @property
    def message(self) -> str:
        """The refusal in full: the reason, then the advice not already in it."""
        if self.acceptable:
            return ""
        said = ADVICE_LENGTH if self.reason == TOO_SHORT else None
        return " ".join((self.reason, *(s for s in self.suggestions if s != said)))

    def describe(self) -> str:
        """One line for a meter or a screen reader: "Weak. Add another word or two."."""
        return " ".join((f"{self.label}.", *self.suggestions))


def level_for(guesses_log10: float) -> Level:
    level = Level.VERY_WEAK
    for threshold, candidate in zip(LEVEL_THRESHOLDS, list(Level)[1:], strict=True):
        if guesses_log10 >= threshold:
            level = candidate
    return level


def user_inputs(user_words: Iterable[str] = ()) -> list[str]:
    """The app's words, then each word (three letters or more) of the owner's name, team..."""
    words = list(APP_WORDS)
    for text in user_words:
        for word in re.findall(r"[^\W_]+", text.lower()):
            if len(word) >= 3 and word not in words:
                words.append(word)
    return words


def _estimate(passphrase: str, inputs: list[str]) -> tuple[float, list[dict[str, Any]]]:
    """(log10 guesses, zxcvbn's matches) for the passphrase as typed and with its words run
    together (one more guess in ten for the separator), whichever is lower."""
    typed = zxcvbn(passphrase[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    best = (float(typed["guesses_log10"]), list(typed["sequence"]))
    joined = _SEPARATORS.sub("", passphrase)
    if joined and joined != passphrase:
        run = zxcvbn(joined[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
        if float(run["guesses_log10"]) + 1 < best[0]:
            best = (float(run["guesses_log10"]) + 1, list(run["sequence"]))
    own = _only_known_words(passphrase, inputs)
    if own is not None and own < best[0]:
        best = (own, [{"dictionary_name": "user_inputs", "matched_word": word}
                      for word in inputs if word in passphrase.lower()])
    return best


def _only_known_words(passphrase: str, inputs: list[str]) -> float | None:
    """log10 guesses for a passphrase made only of the app's and the owner's words (with
    digits, separators and capitals), as an attacker who knows whose laptop it is would try
    them; None when it holds anything else.  (zxcvbn counts each extra word as ten thousand
    times more guesses, which flatters "Sam Fictional North Team".)"""
    words = 0
    for run in re.findall(r"[^\W\d_]+", passphrase.lower()):
        counts = [0] + [-1] * len(run)  # fewest known words spelling run[:i], -1: none
        for end in range(1, len(run) + 1):
            for word in inputs:
                start = end - len(word)
                if start >= 0 and counts[start] >= 0 and run[start:end] == word and (
                        counts[end] < 0 or counts[start] + 1 < counts[end]):
                    counts[end] = counts[start] + 1
        if counts[-1] < 0:
            return None
        words += counts[-1]
    if not words:
        return None
    digits = sum(c.isdigit() for c in passphrase)
    symbols = sum(not c.isalnum() for c in passphrase)
    return words * math.log10(2 * (len(inputs) + 1)) + digits + min(symbols, 4) * 0.5 + 1


def _problem(matches: list[dict[str, Any]], length: int) -> str | None:
    """The main thing wrong, from the pattern zxcvbn found cheapest to guess."""
    if len(matches) == 1 and matches[0].get("dictionary_name") == "passwords" and \
            matches[0]["rank"] <= 100 and not matches[0].get("l33t") and \
            not matches[0].get("reversed"):
        return ADVICE_VERY_COMMON
    kinds: set[str] = set()
    password_chars = 0
    for m in matches:
        pattern, source = m.get("pattern"), m.get("dictionary_name")
        if source == "user_inputs":
            kinds.add("app" if m.get("matched_word") in APP_WORDS else "user")
        elif source == "passwords":
            token = str(m.get("token", "")).lower()
            if len(token) >= 3 and any(token in run for run in _PATTERN_RUNS):
                kinds.add("keyboard")
            else:
                password_chars += len(token)
        if pattern in ("spatial", "sequence"):
            kinds.add("keyboard")
        elif pattern == "date" or m.get("regex_name") == "recent_year":
            kinds.add("dates")
        elif pattern == "repeat":
            kinds.add("repeats")
        if m.get("l33t"):
            kinds.add("lookalikes")
    if password_chars * 2 >= length:  # a common word among others is fine
        kinds.add("common")
    for kind, advice in (("user", ADVICE_USER), ("app", ADVICE_APP), ("common", ADVICE_COMMON),
                         ("keyboard", ADVICE_KEYBOARD), ("dates", ADVICE_DATES),
                         ("repeats", ADVICE_REPEATS), ("lookalikes", ADVICE_LOOKALIKES)):
        if kind in kinds:
            return advice
    return None


def assess(passphrase: str, user_words: Iterable[str] = ()) -> Verdict:
    """How ``passphrase`` fares against the rule.  ``user_words``: the owner's name, team,
    the workspace's name: a passphrase built from them is easier to guess."""
    length = len(passphrase)
    if not passphrase:
        return Verdict(Level.VERY_WEAK, False, TOO_SHORT, (ADVICE_LENGTH,), 0.0)
    guesses, matches = _estimate(passphrase, user_inputs(user_words))
    level = level_for(guesses)
    too_simple = len(set(passphrase)) < MIN_DIFFERENT_CHARACTERS
    if too_simple:
        level = Level.VERY_WEAK
    elif length < MIN_PASSPHRASE_LENGTH:
        level = min(level, Level.WEAK)
    suggestions: tuple[str, ...] = ()
    if level < Level.STRONG:
        problem = _problem(matches, length)
        if length < MIN_PASSPHRASE_LENGTH and problem != ADVICE_VERY_COMMON:
            problem = ADVICE_LENGTH
        suggestions = (problem, ADVICE_MORE_WORDS) if problem else (ADVICE_MORE_WORDS,)
    if length > MAX_SECRET_LENGTH:
        reason = TOO_LONG
    elif length < MIN_PASSPHRASE_LENGTH:
        reason = TOO_SHORT
    elif too_simple:
        reason = TOO_SIMPLE
    elif level < MINIMUM_LEVEL:
        reason = (f"This passphrase is too easy to guess: it is rated {level.label}, and a "
                  f"workspace passphrase must be rated {MINIMUM_LEVEL.label} or better.")
    else:
        reason = ""
    return Verdict(level, not reason, reason, suggestions, round(guesses, 1))


def check(passphrase: str, user_words: Iterable[str] = ()) -> Verdict:
    """:func:`assess`, raising :class:`WeakPassphrase` (in plain words) unless acceptable."""
    verdict = assess(passphrase, user_words)
    if not verdict.acceptable:
        raise WeakPassphrase(verdict.message)
    return verdict
