"""The rule for a new passphrase (store/strength.py) and the places the store applies it."""

from __future__ import annotations

import random
import re
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from cse_desktop.domain.errors import CseError, ValidationFailed, WeakPassphrase
from cse_desktop.domain.models import Owner
from cse_desktop.store import Workspace, strength
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.strength import (
    ADVICE_APP,
    ADVICE_COMMON,
    ADVICE_DATES,
    ADVICE_KEYBOARD,
    ADVICE_LENGTH,
    ADVICE_LOOKALIKES,
    ADVICE_MORE_WORDS,
    ADVICE_REPEATS,
    ADVICE_USER,
    ADVICE_VERY_COMMON,
    LEVEL_THRESHOLDS,
    MINIMUM_LEVEL,
    Level,
    assess,
    level_for,
)

from .conftest import (
    KDF,
    NEW_PASSPHRASE,
    OWNER,
    PASSPHRASE,
    WRONG_PASSPHRASE,
    Template,
    copy_template,
    sha256,
    snapshot,
)

WEAK = [
    # common passwords, with the usual capital, number and symbol, look-alikes, reversed
    "password12", "Password1!", "iloveyou123", "p@ssw0rd123", "monkey123456", "Liverpool2019",
    "Summer2024!", "drowssap123",
    # keyboard walks and sequences
    "qwertyuiop", "1qaz2wsx3edc", "qazwsxedcrfv", "asdfghjkl;", "zxcvbnm123", "7894561230",
    "abcdefghijkl", "9876543210",
    # repeats, dates, two ordinary words
    "abcdabcdabcd", "kettlekettlekettle", "01/02/2003 1987", "purple tractor", "kettle 1987",
]
STRONG = [
    "correct horse battery staple", "kettle violin marmalade", "Kettle Violin Marmalade",
    "lantern orbit velvet pumpkin", "CorrectHorseBatteryStaple", "Xk9#mQ2$vL7p",
    "café crème brûlée château", "the ferret stole my marmalade sandwich",
]
#: ordinary words, for random passphrases of three and four words
ORDINARY_WORDS = (
    "lantern", "orbit", "velvet", "kettle", "violin", "marmalade", "lighthouse", "parsnip",
    "tractor", "ferret", "harbour", "pebble", "walnut", "saddle", "thimble", "glacier", "meadow",
    "compass", "quarry", "lobster", "tundra", "cobweb", "saffron", "pylon", "ravine", "gazebo",
    "nutmeg", "otter", "quilt", "beacon", "fjord", "mosaic", "plinth", "sorrel", "badger",
    "cactus", "dynamo", "granite", "hammock", "kiosk", "ledger", "mitten", "nectar", "oyster",
)
JARGON = re.compile(r"entropy|bits|zxcvbn|l33t|brute|guesses|log10|dictionary", re.IGNORECASE)


# -- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("passphrase", WEAK)
def test_weak_passphrases_are_refused_with_a_plain_reason(passphrase: str) -> None:
    verdict = assess(passphrase)
    assert not verdict.acceptable, (passphrase, verdict)
    assert verdict.score < MINIMUM_LEVEL
    assert verdict.reason.startswith("This passphrase is too easy to guess: it is rated "), verdict
    assert verdict.reason.endswith("a workspace passphrase must be rated Fair or better.")
    assert verdict.suggestions[-1] == ADVICE_MORE_WORDS
    with pytest.raises(WeakPassphrase) as refused:
        strength.check(passphrase)
    assert refused.value.message == verdict.message
    assert "\n" not in verdict.message  # one line on the command line
    assert not JARGON.search(verdict.message)


@pytest.mark.parametrize("passphrase", STRONG)
def test_unrelated_words_and_random_characters_are_accepted(passphrase: str) -> None:
    verdict = strength.check(passphrase)
    assert verdict.acceptable and verdict.reason == "" and verdict.message == ""
    assert verdict.score >= MINIMUM_LEVEL


def test_three_or_four_ordinary_words_pass_and_more_words_score_higher() -> None:
    rng = random.Random(20240517)
    for _ in range(30):
        words = rng.sample(ORDINARY_WORDS, 4)
        four = assess(" ".join(words))
        assert four.score is Level.VERY_STRONG, words
        assert four.suggestions == ()  # nothing to nag about
        assert assess("-".join(words[:3])).acceptable, words[:3]
    levels = [assess(" ".join(ORDINARY_WORDS[:n])).score for n in (1, 2, 3, 4)]
    assert levels == sorted(levels)
    assert levels[0] < MINIMUM_LEVEL <= levels[2]


def test_the_floor_length_variety_and_guessability() -> None:
    # fewer than 10 characters: refused however random, with the old wording
    short = assess("Xk9#mQ2$v")
    assert not short.acceptable and short.score <= Level.WEAK
    assert short.message == "The passphrase must be at least 10 characters long. " \
                            "Add another word or two."
    assert ADVICE_LENGTH in short.suggestions  # the meter says it too
    assert assess("Xk9#mQ2$vL").acceptable  # ten random characters: just enough
    # fewer than four different characters
    for simple in ("aaaaaaaaaaaaaaaa", "abababababab"):
        verdict = assess(simple)
        assert verdict.reason == "The passphrase is too simple: use several different characters."
        assert verdict.score is Level.VERY_WEAK
    # too long to unlock with (1,024 characters at most)
    assert assess("kettle violin " * 74).reason.startswith("The passphrase is too long")
    assert assess(("kettle violin marmalade " * 43)[:1024]).acceptable
    # Fair is ten thousand million guesses, zxcvbn's own top band
    assert LEVEL_THRESHOLDS[MINIMUM_LEVEL - 1] == 10.0
    verdict = assess("purple tractor")
    assert verdict.score is Level.WEAK and verdict.guesses_log10 < 10


def test_levels_follow_the_thresholds() -> None:
    assert level_for(0) is Level.VERY_WEAK
    for level, threshold in zip(list(Level)[1:], LEVEL_THRESHOLDS, strict=True):
        assert level_for(threshold - 0.1) is Level(level - 1)
        assert level_for(threshold) is level
    assert [lvl.label for lvl in Level] == ["Very weak", "Weak", "Fair", "Strong", "Very strong"]
    assert MINIMUM_LEVEL is Level.FAIR


def test_the_apps_words_count_against_a_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    for passphrase in ("cse desktop safeguarding", "Safeguarding Desktop 2024",
                       "exploitation-desktop-cse"):
        verdict = assess(passphrase)
        assert not verdict.acceptable, passphrase
        assert ADVICE_APP in verdict.suggestions
    with_app_words = assess("cse desktop safeguarding").guesses_log10
    monkeypatch.setattr(strength, "APP_WORDS", ())
    without = assess("cse desktop safeguarding")
    assert without.acceptable  # the same passphrase, not knowing the app's words
    assert without.guesses_log10 > with_app_words + 2


def test_the_owners_name_and_team_count_against_a_passphrase() -> None:
    user = ("Sam Fictional", "North Kestrel Team")
    for passphrase in ("fictional kestrel north 7", "Fictional Kestrel 2024",
                       "SamFictionalNorthKestrelTeam!", "kestrel fictional sam north"):
        assert assess(passphrase).acceptable, passphrase  # strangers' words: fine
        verdict = assess(passphrase, user)
        assert not verdict.acceptable, passphrase  # the owner's own: an attacker tries them
        assert verdict.guesses_log10 < assess(passphrase).guesses_log10 - 2
        assert ADVICE_USER in verdict.suggestions
    # one of them among unrelated words is only a little weaker
    assert assess("sam kettle violin marmalade", user).acceptable


def test_words_run_together_count_as_what_they_are() -> None:
    """zxcvbn reads a space as a guessed character; the rule also scores the words joined."""
    assert assess("purple tractor").guesses_log10 <= assess("purpletractor").guesses_log10 + 1


@pytest.mark.parametrize(("passphrase", "advice"), [
    ("kettle violin 1987", ADVICE_DATES),
    ("asdfgh kettle", ADVICE_KEYBOARD),
    ("violin kettle 12345", ADVICE_KEYBOARD),
    ("ferret-ferret-ferret", ADVICE_REPEATS),
    ("k3ttl3 v10l1n", ADVICE_LOOKALIKES),
    ("iloveyou123", ADVICE_COMMON),
    ("letmein", ADVICE_VERY_COMMON),
    ("kettle", ADVICE_LENGTH),
])
def test_advice_names_the_problem_in_plain_words(passphrase: str, advice: str) -> None:
    verdict = assess(passphrase)
    assert verdict.score < Level.STRONG
    assert verdict.suggestions == (advice, ADVICE_MORE_WORDS)
    for line in (*verdict.suggestions, verdict.reason, verdict.describe()):
        assert not JARGON.search(line)
        assert not line or line.endswith(".")


def test_a_verdict_keeps_no_part_of_the_passphrase() -> None:
    for secret in ("kettle violin marmalade 1987", "monkey123456", "Liverpool2019"):
        verdict = assess(secret, ("Sam Fictional",))
        text = repr(asdict(verdict)) + verdict.describe() + verdict.message
        for part in re.findall(r"[a-z]{4,}|\d{4}", secret.lower()):
            assert part not in text.lower(), (part, text)


def test_long_and_unusual_input_stays_quick() -> None:
    for passphrase in ("a" * 1024, "kettle violin " * 73, "p@55w0rd!" * 113, "ŻÓŁW źdźbło"):
        started = time.perf_counter()
        assess(passphrase)
        assert time.perf_counter() - started < 1.0
    assert not assess("a" * 1024).acceptable
    assert not assess("p@55w0rd!" * 113).acceptable  # only the start is scored: still caught
    assert assess("café crème brûlée château").score >= Level.STRONG


def test_the_suites_passphrases_pass_the_rule() -> None:
    """Every store test creates workspaces with these: they must stay acceptable."""
    for passphrase in (PASSPHRASE, NEW_PASSPHRASE, WRONG_PASSPHRASE):
        assert strength.check(passphrase, (OWNER.name, OWNER.team)).acceptable


def test_weak_passphrase_is_a_validation_failure() -> None:
    assert issubclass(WeakPassphrase, ValidationFailed) and issubclass(WeakPassphrase, CseError)
    assert WeakPassphrase.code == "weak_passphrase" and WeakPassphrase.exit_status == 1


# -- where the store applies it -----------------------------------------------------------------


def test_create_refuses_a_weak_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    for weak in ("password12", "Liverpool2019", "cse desktop safeguarding", "short",
                 "Test Worker Team", "x" * 1025):
        with pytest.raises(WeakPassphrase):
            Workspace.create(tmp_path / "weak", weak, OWNER, kdf=KDF)
    assert list(tmp_path.iterdir()) == []


def test_create_counts_the_owners_name(tmp_path: Path) -> None:
    owner = Owner(name="Sam Fictional", role="practitioner", team="North Kestrel Team")
    with pytest.raises(WeakPassphrase, match="Avoid your own name"):
        Workspace.create(tmp_path / "ws", "fictional kestrel north 7", owner, kdf=KDF)
    assert list(tmp_path.iterdir()) == []
    ws, _ = Workspace.create(tmp_path / "ws", "fictional kestrel north 7", OWNER, kdf=KDF)
    ws.lock()


def test_a_weak_new_passphrase_changes_nothing(template: Template, tmp_path: Path) -> None:
    folder = copy_template(template, tmp_path / "ws")
    with Workspace.open(folder, PASSPHRASE) as ws:
        before = sha256(folder / KEY_FILE_NAME)
        for weak in ("password12", "Test Worker 2024"):
            with pytest.raises(WeakPassphrase):
                ws.change_passphrase(PASSPHRASE, weak)
            # refused before the old one is even tried: no failed unlock is counted
            with pytest.raises(WeakPassphrase):
                ws.change_passphrase(WRONG_PASSPHRASE, weak)
            with pytest.raises(WeakPassphrase):
                ws.set_passphrase_after_recovery(weak)
        assert sha256(folder / KEY_FILE_NAME) == before
        assert not any(p.name.startswith("workspace.key.") for p in folder.iterdir())
    with Workspace.open(folder, PASSPHRASE) as ws:
        actions = [e.action.value for e in ws.audit.events()]
        assert "change-passphrase" not in actions and "failed-unlock" not in actions
        ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    Workspace.open(folder, NEW_PASSPHRASE).lock()


def test_unlocking_is_never_refused_for_strength(template: Template, tmp_path: Path) -> None:
    """A workspace whose passphrase the rule would now refuse (set before the rule, or by an
    older version) still unlocks, and its backup still restores."""
    folder = copy_template(template, tmp_path / "ws")
    key_file = KeyFile.load(folder / KEY_FILE_NAME)
    db_key = key_file.unwrap(PASSPHRASE_SLOT, PASSPHRASE)
    old_rule = key_file.rewrap(PASSPHRASE_SLOT, "password12", db_key, KDF)
    old_rule.save(folder / KEY_FILE_NAME)
    assert not assess("password12").acceptable

    with Workspace.open(folder, "password12") as ws:
        assert ws.check().ok
        backup = ws.backup(tmp_path / "ws.csebackup")
    restored = Workspace.restore(backup, tmp_path / "restored", "password12")
    restored.lock()
    # ... and its owner can move to a strong passphrase from the weak one
    with Workspace.open(folder, "password12") as ws:
        ws.change_passphrase("password12", NEW_PASSPHRASE)
    assert snapshot(folder)  # still a workspace
    Workspace.open(folder, NEW_PASSPHRASE).lock()
