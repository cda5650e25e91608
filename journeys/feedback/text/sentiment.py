"""Sentiment scorers per language, from lexicons that ship inside their PyPI packages.

- English: two lexicons blended. Pattern's English adjective lexicon (``en-sentiment.xml``,
  as shipped by ``textblob``), built from product and movie reviews, weighs 0.7; VADER
  (``vaderSentiment``), with its rules for negation, intensifiers, "but", capitals,
  punctuation and emoji, weighs 0.3; when only one of them rates a word of the text, its
  score stands alone. Measured on the English movie sentences (bench/bench_sentiment.py):
  sign accuracy 0.559 with VADER alone, 0.577 with Pattern alone, 0.636 blended.
- Dutch: the Pattern lexicon of adjectives (``nl-sentiment.xml``, CLiPS, University of
  Antwerp), as shipped by ``textblob-nl``, with its rules for negation and intensifiers.
  Pattern calls a Dutch text positive from a polarity of 0.1 (``pattern.nl.positive``), so
  the scale is re-centred on 0.1: the labels then mean the same in both languages.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from journeys.feedback.text.model import Polarity
from journeys.feedback.text.protocols import SentimentScorer
from journeys.feedback.text.words import tokens


def recentre(raw: float, centre: float) -> float:
    """Map -1..1 onto -1..1, piecewise linearly, so that ``centre`` lands on 0."""
    raw = max(-1.0, min(1.0, raw))
    if raw >= centre:
        return (raw - centre) / (1.0 - centre)
    return (raw - centre) / (1.0 + centre)


class VaderScorer:
    """English sentiment from VADER."""

    language = "en"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer: Any = SentimentIntensityAnalyzer()
        self._lexicon: dict[str, float] = self._analyzer.lexicon

    def score(self, text: str) -> Polarity:
        """VADER's compound score; evidence is the number of lexicon words."""
        compound = float(self._analyzer.polarity_scores(text)["compound"])
        evidence = sum(1 for word in tokens(text) if word in self._lexicon)
        if compound and not evidence:
            evidence = 1  # an emoji or emoticon, which VADER reads but words() does not
        return Polarity(score=compound, evidence=evidence)


class PatternEnglishScorer:
    """English sentiment from the Pattern lexicon shipped by textblob."""

    language = "en"

    def __init__(self) -> None:
        from textblob.en.sentiments import PatternAnalyzer

        self._analyzer: Any = PatternAnalyzer()

    def score(self, text: str) -> Polarity:
        """Pattern's polarity; evidence is the number of words it rated."""
        result = self._analyzer.analyze(text)
        # The assessments are only filled in when asked for; the polarity is what counts.
        polarity = float(result[0])
        return Polarity(score=polarity, evidence=1 if polarity else 0)


class BlendedScorer:
    """One language's sentiment from two scorers, weighted; either alone when the other
    rates nothing in the text."""

    def __init__(self, first: SentimentScorer, second: SentimentScorer, weight: float) -> None:
        self.language: str = first.language
        self._first, self._second, self._weight = first, second, weight

    def score(self, text: str) -> Polarity:
        """The weighted score of the two, or the one that found something."""
        a, b = self._first.score(text), self._second.score(text)
        if a.score and b.score:
            blended = self._weight * a.score + (1 - self._weight) * b.score
            return Polarity(score=blended, evidence=max(a.evidence, b.evidence))
        return a if a.score else b


def english_scorer() -> BlendedScorer:
    """The default English scorer: Pattern 0.7, VADER 0.3."""
    return BlendedScorer(PatternEnglishScorer(), VaderScorer(), weight=0.7)


class PatternDutchScorer:
    """Dutch sentiment from the Pattern lexicon shipped by textblob-nl."""

    language = "nl"
    centre = 0.1  # pattern.nl.positive(s, threshold=0.1)
    _lock = threading.Lock()

    def __init__(self) -> None:
        with self._lock, warnings.catch_warnings():
            # The module has regexes with old-style escapes: Python warns when it compiles
            # them, which happens only where pip did not leave compiled files.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            from textblob_nl import nl

            self._sentiment: Any = nl.sentiment
            # The lexicon loads on first use; do it now, once, under the lock.
            self._sentiment("goed")

    def score(self, text: str) -> Polarity:
        """Pattern's polarity, re-centred on its threshold; evidence is the words it rated."""
        result = self._sentiment(text)
        evidence = len(result.assessments)
        if not evidence:
            return Polarity(score=0.0, evidence=0)
        return Polarity(score=recentre(float(result[0]), self.centre), evidence=evidence)
