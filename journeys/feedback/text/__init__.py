"""Text analytics of free comments, in Dutch and English at least, offline.

Per comment: the language, a sentiment score (-1..1) and label, the kind (praise,
complaint, idea, question) and the topics of an editable taxonomy, combined with the
survey's pick-list root cause. Everything runs on models and word lists that ship inside
the installed packages; nothing is downloaded.

Modules: ``model`` (the contract), ``protocols`` (the seams for a stronger model),
``analyser`` (the default composition and the functions below), ``language``,
``sentiment``, ``taxonomy`` (+ ``taxonomy.yaml``), ``matching``, ``kinds``, ``words``,
``reading`` (comments from files, for the CLI) and ``cli``.
"""

from journeys.errors import TaxonomyInvalid
from journeys.feedback.text.analyser import (
    LexiconAnalyser,
    analyse_comment,
    analyse_comments,
    default_analyser,
    warm_up,
)
from journeys.feedback.text.model import (
    UNKNOWN,
    CommentAnalysis,
    CommentKind,
    Polarity,
    SentimentLabel,
)
from journeys.feedback.text.protocols import (
    LanguageDetector,
    Lemmatizer,
    SentimentScorer,
    TextAnalyser,
)
from journeys.feedback.text.taxonomy import (
    Taxonomy,
    Topic,
    default_taxonomy,
    load_taxonomy,
    load_taxonomy_text,
    taxonomy_for,
)

__all__ = [
    "UNKNOWN",
    "CommentAnalysis",
    "CommentKind",
    "LanguageDetector",
    "Lemmatizer",
    "LexiconAnalyser",
    "Polarity",
    "SentimentLabel",
    "SentimentScorer",
    "Taxonomy",
    "TaxonomyInvalid",
    "TextAnalyser",
    "Topic",
    "analyse_comment",
    "analyse_comments",
    "default_analyser",
    "default_taxonomy",
    "load_taxonomy",
    "load_taxonomy_text",
    "taxonomy_for",
    "warm_up",
]
