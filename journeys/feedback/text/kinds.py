"""The kind of a comment (praise, complaint, idea, question) by rules over its words.

In order: a phrase of ``comment_kinds.idea`` anywhere makes an idea ("it would be nice
if…"); a sentence that ends in "?" or opens with a question word and does not end in "." or
"!" makes a question, unless the sentiment is negative ("Why is your service so bad?" is a
complaint); otherwise a positive sentiment makes praise and a negative one a complaint. A
neutral comment (the lexicons know none of its words, or they cancel out) is a complaint
when it has a phrase of ``comment_kinds.complaint`` ("not", "never", "too…": "the parcel
never arrived"), else praise.
"""

from __future__ import annotations

import re

from journeys.feedback.text.matching import Phrases, Reader, Words
from journeys.feedback.text.model import CommentKind, label_for
from journeys.feedback.text.taxonomy import CommentKinds

_SENTENCE = re.compile(r"([^.!?\n]*)([.!?]+|\n|$)")


class KindRules:
    """Classifies comments with the phrase lists of a taxonomy."""

    def __init__(self, kinds: CommentKinds, reader: Reader) -> None:
        self.reader = reader
        self.ideas = Phrases(reader, [("idea", kinds.idea)])
        self.openers = Phrases(reader, [("question", kinds.question)])
        self.exclamations = Phrases(reader, [("exclamation", kinds.exclamation)])
        self.complaints = Phrases(reader, [("complaint", kinds.complaint)])

    def classify(self, text: str, words: Words, language: str, score: float) -> CommentKind:
        """The kind of a comment, given its words, language and sentiment (common scale)."""
        if self.ideas.index(language).values(words):
            return "idea"
        label = label_for(score)
        if self.asks(text, language) and label != "negative":
            return "question"
        if label == "neutral":
            return "complaint" if self.complaints.index(language).values(words) else "praise"
        return "praise" if label == "positive" else "complaint"

    def asks(self, text: str, language: str | None = None) -> bool:
        """Whether any sentence of the text is a question."""
        openers, exclamations = self.openers.index(language), self.exclamations.index(language)
        for body, end in _SENTENCE.findall(text):
            if "?" in end:
                return True
            if "." in end or "!" in end or not body.strip():
                continue
            words = self.reader.words(body, language)
            if openers.starts(words) and not exclamations.starts(words):
                return True
        return False
