"""The default text analyser, and the functions the rest of Journeys calls.

:class:`LexiconAnalyser` composes a language detector, one sentiment scorer per language, a
lemmatizer and a taxonomy, all passed in. :func:`analyse_comment` and
:func:`analyse_comments` use one built from the packaged models (loaded once per process,
a few seconds) unless they are given another :class:`TextAnalyser`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from journeys.feedback.text.kinds import KindRules
from journeys.feedback.text.language import (
    ExpectedLanguageDetector,
    FastTextRanker,
    SimplemmaVote,
)
from journeys.feedback.text.matching import Reader, TopicMatcher
from journeys.feedback.text.model import UNKNOWN, CommentAnalysis, Polarity, label_for
from journeys.feedback.text.protocols import (
    LanguageDetector,
    Lemmatizer,
    SentimentScorer,
    TextAnalyser,
)
from journeys.feedback.text.sentiment import PatternDutchScorer, english_scorer
from journeys.feedback.text.taxonomy import Taxonomy, default_taxonomy
from journeys.feedback.text.words import SimplemmaLemmatizer


class LexiconAnalyser:
    """Language, lexicon sentiment, rule-based kind and taxonomy topics of comments."""

    def __init__(
        self,
        detector: LanguageDetector,
        scorers: Iterable[SentimentScorer],
        taxonomy: Taxonomy,
        lemmatizer: Lemmatizer,
    ) -> None:
        self.detector = detector
        self.scorers = {scorer.language: scorer for scorer in scorers}
        self.taxonomy = taxonomy
        reader = Reader(lemmatizer, _languages(taxonomy))
        self.reader = reader
        self.topics = TopicMatcher(taxonomy, reader)
        self.kinds = KindRules(taxonomy.kinds, reader)

    def analyse(self, text: str, root_cause: str | None = None) -> CommentAnalysis:
        """The analysis of one comment; ``root_cause`` is the survey's pick-list answer."""
        text = text or ""
        language = self.detector.detect(text)
        score = max(-1.0, min(1.0, round(self.polarity(text, language).score, 4)))
        words = self.reader.words(text, language)
        return CommentAnalysis(
            language=language,
            sentiment=score,
            label=label_for(score),
            kind=self.kinds.classify(text, words, language, score),
            topics=self.topics.topics(words, language, root_cause),
        )

    def analyse_many(
        self, texts: Sequence[str], root_causes: Sequence[str | None] | None = None
    ) -> list[CommentAnalysis]:
        """The analyses of many comments, in order."""
        causes = _root_causes(texts, root_causes)
        return [self.analyse(text, cause) for text, cause in zip(texts, causes, strict=True)]

    def polarity(self, text: str, language: str) -> Polarity:
        """The sentiment by the language's scorer. A comment of no sure language (often two
        or three words) is read by the scorer that knows most of its words; one in another
        language is neutral, rather than misread by a lexicon of the wrong language."""
        scorer = self.scorers.get(language)
        if scorer is not None:
            return scorer.score(text)
        if language != UNKNOWN:
            return Polarity(0.0, 0)
        readings = [s.score(text) for s in self.scorers.values()]
        best = max(readings, key=lambda p: (p.evidence, abs(p.score)), default=None)
        return best if best is not None and best.evidence else Polarity(0.0, 0)


def _languages(taxonomy: Taxonomy) -> set[str]:
    kinds = taxonomy.kinds
    found = {lang for topic in taxonomy.topics for lang in topic.keywords}
    phrases = (kinds.idea, kinds.question, kinds.exclamation, kinds.complaint)
    return found.union(*(set(terms) for terms in phrases))


def _root_causes(
    texts: Sequence[str], root_causes: Sequence[str | None] | None
) -> Sequence[str | None]:
    if root_causes is None:
        return [None] * len(texts)
    if len(root_causes) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(root_causes)} root causes")
    return root_causes


# -- the default analyser -------------------------------------------------------------------

_lock = threading.Lock()
_parts: tuple[LanguageDetector, list[SentimentScorer], Lemmatizer] | None = None
_analysers: dict[int, tuple[Taxonomy, LexiconAnalyser]] = {}
_KEEP = 16  # analysers kept, one per taxonomy object (workspaces share unchanged files)


def default_analyser(taxonomy: Taxonomy | None = None) -> LexiconAnalyser:
    """The analyser of the packaged models for a taxonomy (default: the shipped one)."""
    global _parts
    taxonomy = taxonomy or default_taxonomy()
    with _lock:
        kept = _analysers.get(id(taxonomy))
        if kept is not None and kept[0] is taxonomy:
            return kept[1]
        if _parts is None:
            _parts = _packaged_parts()
        detector, scorers, lemmatizer = _parts
        analyser = LexiconAnalyser(detector, scorers, taxonomy, lemmatizer)
        _analysers[id(taxonomy)] = (taxonomy, analyser)
        while len(_analysers) > _KEEP:
            del _analysers[next(iter(_analysers))]
        return analyser


def warm_up(taxonomy: Taxonomy | None = None) -> None:
    """Load the packaged models now (a few seconds), not on the first comment: a server
    calls this at start-up, in a thread, so no answer waits for the loading."""
    default_analyser(taxonomy).analyse_many(["Snelle levering, top!", "Too expensive."])


def _packaged_parts() -> tuple[LanguageDetector, list[SentimentScorer], Lemmatizer]:
    detector = ExpectedLanguageDetector(FastTextRanker(), SimplemmaVote())
    scorers: list[SentimentScorer] = [english_scorer(), PatternDutchScorer()]
    return detector, scorers, SimplemmaLemmatizer()


def analyse_comment(
    text: str,
    *,
    root_cause: str | None = None,
    taxonomy: Taxonomy | None = None,
    analyser: TextAnalyser | None = None,
) -> CommentAnalysis:
    """Analyse one free comment (with the survey's pick-list answer, when there is one)."""
    return (analyser or default_analyser(taxonomy)).analyse(text, root_cause)


def analyse_comments(
    texts: Sequence[str],
    *,
    root_causes: Sequence[str | None] | None = None,
    taxonomy: Taxonomy | None = None,
    analyser: TextAnalyser | None = None,
) -> list[CommentAnalysis]:
    """Analyse many comments, in order; ``root_causes``, when given, is one per text."""
    return (analyser or default_analyser(taxonomy)).analyse_many(texts, root_causes)
