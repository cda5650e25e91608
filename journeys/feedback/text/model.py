"""The contract of the text analysis: what one comment's analysis says.

``CommentAnalysis`` is what the Python API, the CLI's ``--json`` output and the survey answers
store share. ``Polarity`` is what one sentiment scorer says about a text before the analyser
turns it into a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SentimentLabel = Literal["negative", "neutral", "positive"]
CommentKind = Literal["praise", "complaint", "idea", "question"]
UNKNOWN = "unknown"  # the language of an empty, too short or unrecognised comment

# Scores within this distance of 0 are neutral. It is VADER's documented band; every scorer
# maps its own scale so that its decision point lands on 0 (see ``sentiment.recentre``).
NEUTRAL_BAND = 0.05


class CommentAnalysis(BaseModel):
    """What the text analysis found in one free comment."""

    model_config = ConfigDict(frozen=True)

    language: str = Field(
        description="ISO 639-1 code of the comment's language (nl, en, de…), "
        "or 'unknown' when it is empty, too short or not recognised."
    )
    sentiment: float = Field(
        ge=-1.0, le=1.0, description="-1 very negative … 0 neutral … +1 very positive."
    )
    label: SentimentLabel = Field(
        description="negative below -0.05, positive from +0.05, neutral in between."
    )
    kind: CommentKind = Field(description="praise, complaint, idea or question.")
    topics: list[str] = Field(
        default_factory=list,
        description="Topic ids of the taxonomy: the pick-list root cause's topic first, "
        "then the topics the text mentions, in taxonomy order.",
    )


@dataclass(frozen=True)
class Polarity:
    """One scorer's reading of a text: a score on the common scale and how much it rests on."""

    score: float  # -1..1, 0 at the scorer's own decision point
    evidence: int  # how many lexicon entries of the scorer the text contains


def label_for(score: float) -> SentimentLabel:
    """The label of a score on the common scale."""
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"
