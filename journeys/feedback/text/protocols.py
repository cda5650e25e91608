"""The seams of the text analysis: small interfaces, so a stronger model can be plugged in.

A ``TextAnalyser`` is all the rest of Journeys needs. The default one (``analyser.py``) is
composed of a ``LanguageDetector``, one ``SentimentScorer`` per language and a
``Lemmatizer`` for matching topic keywords; each is passed in, so any of them can be
replaced on its own (a transformer for Dutch sentiment, say) without touching the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from journeys.feedback.text.model import CommentAnalysis, Polarity


class TextAnalyser(Protocol):
    """Analyses free comments: language, sentiment, kind and topics."""

    def analyse(self, text: str, root_cause: str | None = None) -> CommentAnalysis:
        """The analysis of one comment; ``root_cause`` is the survey's pick-list answer."""
        ...

    def analyse_many(
        self, texts: Sequence[str], root_causes: Sequence[str | None] | None = None
    ) -> list[CommentAnalysis]:
        """The analyses of many comments, in order (a model may batch them)."""
        ...


class LanguageDetector(Protocol):
    """Tells the language of a text."""

    def detect(self, text: str) -> str:
        """An ISO 639-1 code, or ``"unknown"``."""
        ...


class SentimentScorer(Protocol):
    """Scores the sentiment of texts in one language."""

    language: str

    def score(self, text: str) -> Polarity:
        """The polarity of a text on the common scale (0 at the scorer's decision point)."""
        ...


class Lemmatizer(Protocol):
    """Reduces a word to its dictionary form, so keywords match other forms of it."""

    def lemma(self, word: str, language: str) -> str:
        """The dictionary form of a lower-case word; the word itself when unknown."""
        ...
