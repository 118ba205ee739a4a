"""Word lists per language, kept as data (``lexicon/<language>.toml``), and the
small text tools that read copy with them.

The copy linter (:mod:`delightmail.lint`) uses them to tell when a sentence
contradicts the order ("packed" for a download, "to you" for a gift going
to Arthur, "this morning" in the shop's evening), speaks another language,
or repeats itself; the story uses :func:`shares_phrase` to keep its
preheader from saying the subject again.

>>> lexicon("en").find("shipping", "It is on its way to you.")  # doctest: +SKIP
['on its way']
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "LEXICON_DIR",
    "Lexicon",
    "content_pairs",
    "in_own_script",
    "languages",
    "lexicon",
    "sentences",
    "shares_phrase",
    "words",
]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

# A word: letters and digits, with inner apostrophes and hyphens ("we're", "T-shirt").
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
# A sentence ends at . ! ? or … followed by space and what can start a sentence.
# (Not after a number's point: "Sonntag, 22. November" is one sentence.)
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\d\.)[\"”“»«)]*\s+(?=[\"„“«»(‚‘\u2068\u200f]*[\w¿¡])")


# Japanese, written without spaces, is cut where the script changes: kanji, katakana,
# hiragana and Latin runs (「ご注文のレコード」 → ご / 注文 / の / レコード). Kanji and
# katakana runs carry the content; hiragana runs are particles and endings.
_KANA_KANJI = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヵヶ"
_HIRAGANA = "\u3041-\u309f"
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
_KATAKANA = "\u30a0-\u30ff\uff66-\uff9f"
_JA_WORD = (
    f"[{_HIRAGANA}]+|[{_KATAKANA}]+|[{_KANJI}]+|[^\\W{_KANA_KANJI}]+(?:['’-][^\\W{_KANA_KANJI}]+)*"
)
_JA_PATTERNS = {
    "script": f"[{_KANA_KANJI}]",
    "word": _JA_WORD,
    # A Japanese sentence ends at 。！？ (and a closing bracket after it), with no space.
    "sentence_end": r"(?<=[。！？])(?![」』）])\s*(?=\S)|(?<=[。！？][」』）])\s*(?=\S)",
    # Content words (see _content_pairs_ja); numbers, masked facts and punctuation break a run.
    "token": f'[\\d\u2063、。，．・：；！？「」『』（）()【】〔〕…‥—–"“”,.;:!?]+|{_JA_WORD}',
    "hiragana": f"[{_HIRAGANA}]+",
    "kanji": f"[{_KANJI}]",
}


@cache
def _ja(name: str) -> re.Pattern[str]:
    """One of the Japanese patterns, compiled on first use: their character classes cost
    milliseconds each to compile, which a process that never reads Japanese does not pay."""
    return re.compile(_JA_PATTERNS[name])


def words(text: str) -> list[str]:
    """The words of *text*, lower case, curly apostrophes made straight; Japanese cut
    where its script changes."""
    folded = text.casefold()
    pattern = _ja("word") if _ja("script").search(folded) else _WORD
    return [w.replace("’", "'") for w in pattern.findall(folded)]


def sentences(text: str) -> list[str]:
    """*text* split into sentences (good enough for copy we write ourselves)."""
    parts = _SENTENCE_END.split(text)
    if _ja("script").search(text):
        parts = [piece for part in parts for piece in _ja("sentence_end").split(part)]
    return [s.strip() for s in parts if s.strip()]


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    #: Whether the last word matches any ending ("ship*").
    prefix: bool
    shown: str

    def occurs_at(self, text_words: Sequence[str], i: int) -> bool:
        n = len(self.words)
        if i + n > len(text_words) or tuple(text_words[i : i + n - 1]) != self.words[:-1]:
            return False
        word, last = text_words[i + n - 1], self.words[-1]
        return word == last or (self.prefix and word.startswith(last))


@dataclass(frozen=True)
class Phrases:
    """A word list, indexed for matching: one pass over a sentence's words."""

    phrases: tuple[_Phrase, ...]
    #: Phrases by their first word, and the one-word prefixes ("ship*").
    by_first: Mapping[str, tuple[_Phrase, ...]]
    prefixes: tuple[tuple[str, _Phrase], ...]
    starts: tuple[str, ...] = ()
    #: Letters a word of the language may carry in front (Hebrew ו, ה, ב...): a
    #: word of the list is found with up to three of them before it.
    letters: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: Sequence[str], letters: frozenset[str] = frozenset()) -> Phrases:
        phrases = []
        for entry in raw:
            found = tuple(words(entry.rstrip("*")))
            if found:
                phrases.append(_Phrase(found, entry.endswith("*"), entry))
        by_first: dict[str, list[_Phrase]] = {}
        prefixes = []
        for phrase in phrases:
            if phrase.prefix and len(phrase.words) == 1:
                prefixes.append((phrase.words[0], phrase))
            else:
                by_first.setdefault(phrase.words[0], []).append(phrase)
        return cls(
            tuple(phrases),
            {k: tuple(v) for k, v in by_first.items()},
            tuple(prefixes),
            tuple(start for start, _ in prefixes),
            letters,
        )

    def _stems(self, word: str) -> list[str]:
        """*word*, and the words it is with up to three prefix letters taken off."""
        out = [word]
        for k in range(1, 4):
            if len(word) - k < 2 or word[k - 1] not in self.letters:
                break
            out.append(word[k:])
        return out

    def _found_with_prefixes(self, text_words: Sequence[str]) -> list[_Phrase]:
        forms = [self._stems(word) for word in text_words]
        hits: set[_Phrase] = set()

        def ends(phrase: _Phrase, at: int) -> bool:
            last = phrase.words[-1]
            return any(w == last or (phrase.prefix and w.startswith(last)) for w in forms[at])

        for i, stems in enumerate(forms):
            for stem in stems:
                for phrase in self.by_first.get(stem, ()):
                    n = len(phrase.words)
                    if i + n > len(forms):
                        continue
                    if all(phrase.words[j] in forms[i + j] for j in range(1, n - 1)) and (
                        n == 1 or ends(phrase, i + n - 1)
                    ):
                        hits.add(phrase)
                if self.starts and stem.startswith(self.starts):
                    hits.update(p for start, p in self.prefixes if stem.startswith(start))
        return [p for p in self.phrases if p in hits]

    def found_in(self, text_words: Sequence[str]) -> list[_Phrase]:
        """The phrases that occur in *text_words*, each once, in list order."""
        if self.letters:
            return self._found_with_prefixes(text_words)
        hits: set[_Phrase] = set()
        for i, word in enumerate(text_words):
            for phrase in self.by_first.get(word, ()):
                if phrase.occurs_at(text_words, i):
                    hits.add(phrase)
            if self.starts and word.startswith(self.starts):
                hits.update(p for start, p in self.prefixes if word.startswith(start))
        return [p for p in self.phrases if p in hits]


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one language."""

    language: str
    function: frozenset[str]
    lists: Mapping[str, Phrases]
    #: Phrases of a time of day, and the times each is true at.
    times: Phrases
    when: Mapping[str, frozenset[str]]
    #: Words of each register (``informal``, ``formal``), as written (case counts).
    register: Mapping[str, frozenset[str]]
    #: Words of this language that look like another's small words ("die" in English).
    shared: frozenset[str] = frozenset()
    #: The scripts its letters are of (a Unicode name's first word: ``LATIN``, ``HEBREW``).
    scripts: tuple[str, ...] = ("LATIN",)

    def find(self, name: str, text: str | Sequence[str]) -> list[str]:
        """The phrases of list *name* that occur in *text* (or in its :func:`words`)."""
        found = self.lists.get(name)
        if found is None:
            return []
        text_words = words(text) if isinstance(text, str) else text
        return [p.shown for p in found.found_in(text_words)]

    def times_in(self, text: str | Sequence[str]) -> list[tuple[str, frozenset[str]]]:
        """The time-of-day phrases in *text*, each with the times it is true at."""
        text_words = words(text) if isinstance(text, str) else text
        return [(p.shown, self.when[p.shown]) for p in self.times.found_in(text_words)]


@cache
def lexicon(language: str) -> Lexicon:
    """The word lists of *language* (empty lists for a language without a file)."""
    path = LEXICON_DIR / f"{language}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    letters = frozenset(data.get("prefixes", ()))
    lists = {
        name: Phrases.of(value, letters)
        for name, value in data.items()
        if name not in ("function", "time", "register", "shared", "prefixes", "script")
        and isinstance(value, list)
    }
    times = data.get("time", {})
    when = {entry: frozenset(key.split()) for key, value in times.items() for entry in value}
    register = {key: frozenset(value) for key, value in data.get("register", {}).items()}
    return Lexicon(
        language,
        frozenset(data.get("function", ())),
        lists,
        Phrases.of([entry for value in times.values() for entry in value], letters),
        when,
        register,
        frozenset(data.get("shared", ())),
        _scripts(data.get("script", "LATIN")),
    )


def _scripts(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@cache
def languages() -> tuple[str, ...]:
    """The languages with a word list."""
    return tuple(sorted(p.stem for p in LEXICON_DIR.glob("*.toml")))


@cache
def foreign_words(language: str) -> frozenset[str]:
    """Small words of the other languages that are no words of *language*."""
    others: set[str] = set()
    for other in languages():
        if other != language:
            others |= lexicon(other).function
    own = lexicon(language)
    return frozenset(others - own.function - own.shared)


def in_own_script(text: str, language: str) -> bool:
    """Whether every letter of *text* is of a script *language* is written in: its
    lexicon's ``script`` (``LATIN`` by default, ``HEBREW``), or a list of them
    (Japanese: Latin, kanji, kana and fullwidth forms)."""
    scripts = lexicon(language).scripts
    if scripts == ("LATIN",) and text.isascii():
        return True
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith(scripts) for ch in text)


def is_latin(text: str) -> bool:
    """Whether every letter of *text* is a Latin letter."""
    return in_script(text, "LATIN")


def in_script(text: str, script: str) -> bool:
    """Whether every letter of *text* is of *script* (``LATIN``, ``HEBREW``)."""
    if script == "LATIN" and text.isascii():
        return True
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith(script) for ch in text)


# A word, or what breaks a run of content words: a number, a masked fact, or
# punctuation (a phrase does not run over a comma).
_TOKEN = re.compile(r"[\d\u2063,.;:!?()–—\"“”„«»]+|\w+(?:['’-]\w+)*")


def content_pairs(
    text: str, language: str, ignore: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Pairs of neighbouring content words, in order: what a repeated phrase or
    gag shares with its twin ("extra care"). Small words are skipped; numbers,
    masked facts and the words in *ignore* (the order's own: names, towns)
    break a run."""
    small = lexicon(language).function
    if language == "ja":
        return _content_pairs_ja(text, small, ignore)
    pairs = []
    previous = None
    for token in _TOKEN.findall(text.casefold()):
        if not token[0].isalpha() and token[0] != "_":
            previous = None
            continue
        word = token.replace("’", "'")
        if word in ignore:
            previous = None
        elif word not in small and len(word) > 2:
            if previous is not None:
                pairs.append((previous, word))
            previous = word
    return pairs


# Japanese: kanji runs (注文, and a lone 心 too: kanji carry the meaning) and katakana
# and Latin runs of two characters or more (レコード) are the content words; hiragana
# runs are small words.


def _content_pairs_ja(
    text: str, small: frozenset[str], ignore: frozenset[str]
) -> list[tuple[str, str]]:
    pairs = []
    previous = None
    for token in _ja("token").findall(text.casefold()):
        if (not token[0].isalpha() and token[0] != "_") or token in ignore:
            previous = None
        elif (
            token not in small
            and (len(token) > 1 or _ja("kanji").fullmatch(token))
            and not _ja("hiragana").fullmatch(token)
        ):
            if previous is not None:
                pairs.append((previous, token))
            previous = token
    return pairs


def shares_phrase(a: str, b: str, language: str, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether *a* and *b* share a phrase of two content words ("extra care")."""
    if not a or not b:
        return False
    return bool(set(content_pairs(a, language, ignore)) & set(content_pairs(b, language, ignore)))
