"""Finding keywords and phrases in comments, whatever the case, accents or word form.

A comment is read once into :class:`Words`: per word, its folded surface form and its folded
dictionary forms in each language of the taxonomy. A phrase is compiled the same way, so
"prijzen" finds the keyword "prijs" (both have the dictionary form "prijs") and "gewacht"
finds "wachten". A keyword ending in ``*`` matches words one of whose forms starts with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from journeys.feedback.text.protocols import Lemmatizer
from journeys.feedback.text.taxonomy import Taxonomy, Terms, root_cause_key
from journeys.feedback.text.words import fold, tokens


@dataclass(frozen=True)
class Words:
    """The words of one text: folded surface forms and every dictionary form."""

    surface: tuple[str, ...]
    forms: tuple[frozenset[str], ...]

    def __len__(self) -> int:
        return len(self.surface)


@dataclass(frozen=True)
class _Phrase:
    value: str  # what a match stands for: a topic id, or "idea"…
    words: tuple[frozenset[str], ...]  # accepted forms per word; empty for the prefix word
    prefix: str | None  # the last word is a prefix when the phrase ended in "*"

    def matches_at(self, words: Words, start: int) -> bool:
        end = start + len(self.words)
        if end > len(words):
            return False
        for offset, accepted in enumerate(self.words):
            i = start + offset
            if self.prefix is not None and offset == len(self.words) - 1:
                if not any(form.startswith(self.prefix) for form in words.forms[i]):
                    return False
            elif accepted.isdisjoint(words.forms[i]):
                return False
        return True


_KNOWN_WORDS = 100_000  # words whose forms a reader remembers (comments reuse their words)
_START = 3  # prefixes are indexed by their first letters


class Reader:
    """Turns texts and phrases into words with their dictionary forms in some languages."""

    def __init__(self, lemmatizer: Lemmatizer, languages: Iterable[str]) -> None:
        self.lemmatizer = lemmatizer
        self.languages = tuple(sorted(set(languages)))
        self._known: dict[tuple[str, str | None], tuple[str, frozenset[str]]] = {}

    def words(self, text: str, language: str | None = None) -> Words:
        """The words of a comment, with their forms in its language (if the taxonomy has
        phrases in it), else in every language of the taxonomy."""
        if language not in self.languages:
            language = None
        read = [self._word(word, language) for word in tokens(text)]
        return Words(tuple(w[0] for w in read), tuple(w[1] for w in read))

    def _word(self, word: str, language: str | None) -> tuple[str, frozenset[str]]:
        known = self._known.get((word, language))
        if known is None:
            if len(self._known) >= _KNOWN_WORDS:
                self._known.clear()
            languages = (language,) if language else self.languages
            known = (fold(word), self._forms(word, languages))
            self._known[(word, language)] = known
        return known

    def phrase(self, text: str, language: str, value: str) -> _Phrase:
        """A keyword or phrase of the taxonomy, compiled for matching."""
        is_prefix = text.rstrip().endswith("*")
        found = tokens(text.rstrip().rstrip("*"))
        words = tuple(self._forms(word, (language,)) for word in found)
        if is_prefix:
            words = (*words[:-1], frozenset())
            return _Phrase(value, words, fold(found[-1]))
        return _Phrase(value, words, None)

    def _forms(self, word: str, languages: Sequence[str]) -> frozenset[str]:
        lemmas = (self.lemmatizer.lemma(word, language) for language in languages)
        return frozenset({fold(word), *(fold(lemma) for lemma in lemmas)})


class PhraseIndex:
    """Many phrases, indexed by their first word, found in a text in one pass."""

    def __init__(self) -> None:
        self._by_form: dict[str, list[_Phrase]] = {}
        self._by_start: dict[str, list[_Phrase]] = {}  # one-word prefixes by first letters
        self._short: list[_Phrase] = []  # prefixes shorter than that

    def add(self, phrase: _Phrase) -> None:
        """Index one compiled phrase."""
        if len(phrase.words) == 1 and phrase.prefix is not None:
            if len(phrase.prefix) < _START:
                self._short.append(phrase)
            else:
                self._by_start.setdefault(phrase.prefix[:_START], []).append(phrase)
            return
        for form in phrase.words[0]:
            self._by_form.setdefault(form, []).append(phrase)

    def values(self, words: Words) -> set[str]:
        """What every phrase found anywhere in the text stands for."""
        return {p.value for i in range(len(words)) for p in self._matches_at(words, i)}

    def starts(self, words: Words) -> bool:
        """Whether the text opens with one of the phrases."""
        return any(True for _ in self._matches_at(words, 0))

    def _matches_at(self, words: Words, i: int) -> Iterable[_Phrase]:
        if i >= len(words):
            return
        for form in words.forms[i]:
            for phrase in self._by_form.get(form, ()):
                if phrase.matches_at(words, i):
                    yield phrase
        # A prefix is tried on every form: "gewacht" is "wachten" for "wacht*".
        seen: set[int] = set()
        for form in words.forms[i]:
            for phrase in (*self._by_start.get(form[:_START], ()), *self._short):
                if id(phrase) not in seen and form.startswith(phrase.prefix or ""):
                    seen.add(id(phrase))
                    yield phrase


class Phrases:
    """Phrases per language. A comment is matched against the phrases of its own language,
    or against all of them when the taxonomy has none in its language (or it has none):
    "late" is an English keyword, and a Dutch word too ("de late avond")."""

    def __init__(self, reader: Reader, terms: Iterable[tuple[str, Terms]]) -> None:
        self.by_language: dict[str, PhraseIndex] = {}
        self.every = PhraseIndex()
        for value, per_language in terms:
            for language, phrases in per_language.items():
                for text in phrases:
                    phrase = reader.phrase(text, language, value)
                    self.by_language.setdefault(language, PhraseIndex()).add(phrase)
                    self.every.add(phrase)

    def index(self, language: str | None) -> PhraseIndex:
        """The phrases to look for in a comment of ``language``."""
        return self.by_language.get(language or "", self.every)


class TopicMatcher:
    """The topics of a comment: its pick-list root cause's topic, then those its text names."""

    def __init__(self, taxonomy: Taxonomy, reader: Reader) -> None:
        self.order = [topic.id for topic in taxonomy.topics]
        self.phrases = Phrases(reader, ((t.id, t.keywords) for t in taxonomy.topics))
        self.root_causes: dict[str, str] = {}
        for topic in taxonomy.topics:
            self.root_causes.setdefault(root_cause_key(topic.id), topic.id)
            for cause in topic.root_causes:
                self.root_causes.setdefault(root_cause_key(cause), topic.id)

    def topic_of_root_cause(self, root_cause: str | None) -> str | None:
        """The topic a pick-list answer (id or label) maps onto, if any."""
        if not root_cause:
            return None
        return self.root_causes.get(root_cause_key(root_cause))

    def topics(
        self, words: Words, language: str | None = None, root_cause: str | None = None
    ) -> list[str]:
        """Topic ids: the root cause's first, then the text's in taxonomy order."""
        found = self.phrases.index(language).values(words)
        first = self.topic_of_root_cause(root_cause)
        rest = [t for t in self.order if t in found and t != first]
        return [first, *rest] if first else rest
