"""A person's name read into comparable parts, and the rule saying when two may be one person.

Archives spell one person many ways: FRUS volumes write ``Gromyko, Andrei A.``, ``Gromyko,
Andrei Andreevich`` and ``Gromyko, Andrei Andreivich``; the Wilson Center writes ``I.V.
Stalin``. :func:`parse_name` reads both shapes (``Surname, Given`` and ``Given Surname``)
into a :class:`NameForm`: a folded surname key, folded given-name tokens and a suffix.

The rule (:func:`compatible`), conservative on purpose, since a wrong merge hides a person:

- the surnames' keys are equal (folded: accents, case, Cyrillic, apostrophes, spaces,
  hyphens and particles such as ``de``/``von`` do not count; spellings do: ``Gromiko`` is
  not ``Gromyko`` unless the alias file says so);
- suffixes (``Jr.``, ``Sr.``, ``II``, ``III``) are equal when both names have one;
- the given names agree position by position, as far as the shorter list goes (a missing
  middle name is no disagreement): two tokens agree when equal after transliteration
  (``Andreevich``, ``Andreivich``, ``Andreyevich``), when one is an initial of the other
  (``A.`` and ``Andreevich``; ``U.`` and ``Ural``), or when one of three letters or more
  begins the other (``Walt`` and ``Walter``).

Titles and ranks (``Colonel``, ``General``, ``Dr.``, ``Ambassador``, ...) are dropped,
but not ``King``, ``Shah``, ``Prince``...: those name a different person (``Hussein,
King`` is not ``Saddam Hussein``). A nickname in quotes or brackets (``“Ted”``, ``(Jim)``)
is dropped; a bracketed full name (``Dulles, Allen (Ascham, Robert A.)``, ``Mao Tse-tung
(Mao Zedong)``) is another name of the same person (:attr:`NameForm.also`). Whether a
compatible pair is really merged is decided by :mod:`archive_tui.people`, which never lets
a vague name (``Gromyko, Andrei``) join two people it is compatible with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import fold

# Dropped from given names (folded, without dots).
_TITLE_WORDS = (
    "mr mrs miss ms dr sir lord lady dame general gen lieutenant lt colonel col major maj "
    "captain capt admiral adm vice rear brigadier brig commander cdr cmdr sergeant sgt "
    "marshal field air chief ambassador amb senator sen congressman representative rep "
    "judge justice father bishop archbishop cardinal rev reverend professor prof "
    "monsignor msgr mme mlle herr frau"
)
TITLES = frozenset(_TITLE_WORDS.split())
# Kept: they tell one person from another of the same name. Not "I": "Chen I" is a name.
_SUFFIX = re.compile(r"(?i)(jr|sr)\.?|II|III|IV")
# Name particles: not part of the surname's key (de Gaulle = Gaulle, Charles de).
_PARTICLE_WORDS = "de du des da di del della der den van von le la al el ibn bin"
PARTICLES = frozenset(_PARTICLE_WORDS.split())

_Y_BETWEEN_VOWELS = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
_I_AFTER_E = re.compile(r"(?<=e)i(?=[aeiou]|v)")
_DOUBLE_VOWEL = re.compile(r"([aeiou])\1+")
_FINAL_Y = re.compile(r"(?<=.)(iy|y)$")
_BRACKETS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_QUOTED = re.compile(r"\s*[“\"‘«]([^”\"’»]*)[”\"’»],?")
_SPLIT = re.compile(r"[\s.]+")


@dataclass(frozen=True, slots=True)
class NameForm:
    """What the rule compares. Names with equal forms are always one person."""

    surname: str  # folded key: "gromyko", "gaulle" (particles, spaces, hyphens dropped)
    given: tuple[str, ...]  # folded tokens, titles dropped: ("andrei", "a")
    suffix: str = ""  # "jr", "iii", or ""
    also: tuple[str, ...] = ()  # bracketed full names: other names of this person

    @property
    def key(self) -> tuple[str, tuple[str, ...], str]:
        return self.surname, tuple(translit(t) for t in self.given), self.suffix


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """Folded letters and digits only: ``Manac’h`` -> ``manach``, ``Tse-tung`` -> ``tsetung``."""
    return "".join(c for c in fold(text) if c.isalnum())


@lru_cache(maxsize=65536)
def translit(token: str) -> str:
    """One spelling of a transliterated name: Andreevich, Andreivich, Andreyevich -> andrevich.

    ``y`` between vowels and ``i`` after ``e`` are dropped, doubled vowels collapse, a final
    ``y``/``iy`` is ``i`` (Anatoly, Anatoliy, Anatoli) and ``ct`` is ``kt`` (Victor, Viktor).
    Only given names pass here (surnames compare exactly), and only within one surname.
    """
    t = _Y_BETWEEN_VOWELS.sub("", token)  # Andreyevich, Sergeyevich
    t = _I_AFTER_E.sub("", t)  # Andreivich
    t = _DOUBLE_VOWEL.sub(r"\1", t)  # Andreevich, Georgii
    t = _FINAL_Y.sub("i", t)  # Anatoliy, Anatoly -> Anatoli; Georgy -> Georgi
    return t.replace("ct", "kt")  # Victor, Viktor


def _tokens(text: str) -> list[str]:
    """Given-name tokens: split at spaces and dots (``I.V.`` is two initials), hyphens joined."""
    return [t for t in (_key(part) for part in _SPLIT.split(text)) if t]


def _strip_extras(name: str) -> tuple[str, list[str], list[str]]:
    """The name without brackets and quotes; the bracketed full names; the nicknames."""
    also: list[str] = []
    nicknames: list[str] = []

    def bracket(m: re.Match[str]) -> str:
        inner = " ".join(m.group(1).split())
        quoted = _QUOTED.fullmatch(inner)
        if quoted:
            nicknames.append(quoted.group(1))
        elif ("," in inner or len(inner.split()) >= 2) and not any(c.isdigit() for c in inner):
            also.append(inner)  # "Ascham, Robert A.", "Mao Zedong"; not "Colonel from 1969"
        else:
            nicknames.append(inner)  # "(Jim)", "(CDU)", "(Lord)"
        return ""

    def quote(m: re.Match[str]) -> str:
        nicknames.append(m.group(1))
        return ""

    text = _BRACKETS.sub(bracket, name)
    text = _QUOTED.sub(quote, text)
    return " ".join(text.split()).strip(" ;,"), also, nicknames


def _suffix(word: str) -> str:
    """``jr``, ``sr``, ``ii``, ``iii``, ``iv`` for such a word (``J.R.`` is initials), else ""."""
    return word.rstrip(".,").lower() if _SUFFIX.fullmatch(word.strip(",")) else ""


def _split_suffix(words: list[str]) -> tuple[list[str], str]:
    """Words without a trailing Jr./Sr./II/III, and that suffix ("" when none)."""
    if len(words) > 1 and (suffix := _suffix(words[-1])):
        return words[:-1], suffix
    return words, ""


def _given(words: list[str]) -> tuple[str, ...]:
    """Given-name tokens without titles and lower-case particles (``Charles de``)."""
    kept = (w for w in words if not (w.islower() and _key(w) in PARTICLES))
    return tuple(t for w in kept for t in _tokens(w) if t not in TITLES)


def _surname(words: list[str]) -> str:
    """The surname's key: its words' keys without particles (unless it is nothing else)."""
    keys = [k for k in map(_key, words) if k]
    return "".join(k for k in keys if k not in PARTICLES) or "".join(keys)


def _is_title(word: str) -> bool:
    tokens = _tokens(word)
    return len(tokens) == 1 and tokens[0] in TITLES and "." not in word.rstrip(".")


@lru_cache(maxsize=65536)
def parse_name(name: str) -> NameForm:
    """Read ``Surname, Given M.`` or ``Given M. Surname`` into a :class:`NameForm`.

    ``Surname, Given, Jr.`` and ``Surname, Given Jr.`` keep the suffix. Without a comma
    the last word is the surname, with the particles just before it (``Charles de
    Gaulle``); a name of one word (``Stalin``) is a surname alone. Never raises: a name
    with no letters at all gives an empty surname key (the resolver keeps it apart).
    """
    text, also, nicknames = _strip_extras(name)
    form = _parse_plain(text)
    if not form.given and form.surname and nicknames:  # Minh (“Big Minh”), Minh (“Little Minh”)
        form = NameForm(form.surname, _given(" ".join(nicknames).split()), form.suffix)
    return NameForm(form.surname, form.given, form.suffix, tuple(also))


def _parse_plain(text: str) -> NameForm:
    """parse_name of a name without brackets or quotes."""
    if "," in text:
        surname_part, _, rest = text.partition(",")
        parts = [p.strip() for p in rest.split(",")]
        suffix = ""
        if len(parts) > 1 and _suffix(parts[-1]):
            suffix = _suffix(parts[-1])
            parts = parts[:-1]
        words, inner_suffix = _split_suffix(" ".join(parts).split())
        return NameForm(_surname(surname_part.split()), _given(words), suffix or inner_suffix)
    words, suffix = _split_suffix(text.split())
    words = [w for w in words if not _is_title(w)] or words
    if not words:
        return NameForm("", (), suffix)
    # the surname: the last word and the lower-case particles right before it
    start = len(words) - 1
    while start > 0 and _key(words[start - 1]) in PARTICLES and words[start - 1].islower():
        start -= 1
    if start == 1 and _key(words[0]) in PARTICLES:
        start = 0  # "de Gaulle", "von Brentano"
    return NameForm(_surname(words[start:]), _given(words[:start]), suffix)


def tokens_agree(a: str, b: str) -> bool:
    """Whether two folded given-name tokens can name the same person (see the module doc)."""
    if a == b or translit(a) == translit(b):
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) == 1:
        return long_[0] == short
    return len(short) >= 3 and long_.startswith(short)


def compatible(a: NameForm, b: NameForm) -> bool:
    """The rule: same surname key, agreeing suffixes and given names (module docstring)."""
    if not a.surname or a.surname != b.surname:
        return False
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return False
    return all(tokens_agree(x, y) for x, y in zip(a.given, b.given, strict=False))


def specificity(form: NameForm) -> int:
    """How much a form says: full given names count more than initials."""
    return sum(1 if len(t) == 1 else 2 for t in form.given) + bool(form.suffix)
