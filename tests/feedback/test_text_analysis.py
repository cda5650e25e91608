"""The text analysis of comments with the packaged models: language, sentiment, kind, topics."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from journeys.feedback.text import (
    UNKNOWN,
    CommentAnalysis,
    LexiconAnalyser,
    Polarity,
    TextAnalyser,
    analyse_comment,
    analyse_comments,
    default_analyser,
    default_taxonomy,
)
from journeys.feedback.text.words import SimplemmaLemmatizer

SENTENCES = [
    # text, language, sign of the sentiment (1, -1, 0)
    ("De medewerkers waren heel vriendelijk en behulpzaam, echt geweldig!", "nl", 1),
    ("Wat een slechte service, ik ben zeer ontevreden.", "nl", -1),
    ("Snelle levering, top!", "nl", 1),
    ("Niet tevreden", "nl", -1),
    ("Slecht", "nl", -1),
    ("Bedankt voor de prettige hulp", "nl", 1),
    ("The staff were friendly and the delivery was fast. Great job!", "en", 1),
    ("Terrible experience, the staff were rude and unhelpful.", "en", -1),
    ("Thanks, great service!", "en", 1),
    ("I am very disappointed with this product.", "en", -1),
]


@pytest.mark.parametrize(("text", "language", "sign"), SENTENCES)
def test_dutch_and_english_comments_get_their_language_and_sign(
    text: str, language: str, sign: int
) -> None:
    result = analyse_comment(text)
    assert result.language == language
    assert (result.sentiment > 0) - (result.sentiment < 0) == sign
    assert result.label == {1: "positive", -1: "negative"}[sign]
    assert -1 <= result.sentiment <= 1


def test_other_languages_are_reported_by_their_code() -> None:
    assert analyse_comment("Der Service war leider sehr schlecht und langsam.").language == "de"
    assert analyse_comment("Le service était excellent, merci beaucoup!").language == "fr"
    assert analyse_comment("Sehr gut, danke!").language == "de"  # "gut" is in the Dutch list


@pytest.mark.parametrize("text", ["", "   ", "ok", "!!", "10/10"])
def test_empty_or_too_short_comments_have_an_unknown_language(text: str) -> None:
    result = analyse_comment(text)
    assert result.language == UNKNOWN
    assert result.kind in ("praise", "complaint", "idea", "question")


def test_a_comment_without_rated_words_is_neutral() -> None:
    result = analyse_comment("Ik heb op dinsdag een pakket ontvangen.")
    assert (result.sentiment, result.label) == (0.0, "neutral")


@pytest.mark.parametrize(
    "text",
    [
        "Kunnen jullie ook via iDEAL laten betalen?",
        "Hoe kan ik mijn adres wijzigen",
        "Why is my invoice so high?",
        "Where is my parcel",
        "Is het mogelijk om de afspraak te verzetten? Alvast bedankt.",
    ],
)
def test_questions_are_of_kind_question(text: str) -> None:
    assert analyse_comment(text).kind == "question"


@pytest.mark.parametrize(
    "text",
    [
        "Het zou fijn zijn als jullie ook op zaterdag bezorgen.",
        "Mijn suggestie: stuur een bericht als de monteur onderweg is.",
        "It would be nice if the app showed the delivery time.",
        "Could you add a dark mode to the app?",  # an idea asked as a question
    ],
)
def test_suggestions_are_of_kind_idea(text: str) -> None:
    assert analyse_comment(text).kind == "idea"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Fantastische service, heel blij mee!", "praise"),
        ("Great support, thank you!", "praise"),
        ("Waardeloos, nooit meer.", "complaint"),
        ("Why is your service so terrible?", "complaint"),  # a negative question complains
        ("Mijn pakket is nooit aangekomen.", "complaint"),  # neutral words, a "never"
        ("De prijzen zijn veel te hoog geworden", "complaint"),
        ("The app keeps crashing when I log in", "complaint"),
    ],
)
def test_praise_and_complaints_follow_the_sentiment_and_complaint_phrases(
    text: str, kind: str
) -> None:
    assert analyse_comment(text).kind == kind


def test_wat_een_exclaims_rather_than_asks() -> None:
    assert analyse_comment("Wat een fijne bezorger").kind == "praise"
    assert analyse_comment("Wat kost de bezorging").kind == "question"


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        # Dutch word forms: plural, past participle, adjective forms, prefixes, compounds
        ("De prijzen zijn gestegen", ["price"]),
        ("Ik heb drie kwartier gewacht", ["waiting-time"]),
        ("Onvriendelijke medewerkers bij de kassa", ["staff", "store"]),
        (
            "De bezorger was vriendelijk maar het pakketje was beschadigd",
            ["staff", "delivery", "product-quality"],
        ),
        ("Waarom duurt het zo lang?", ["waiting-time"]),
        ("Facturen kloppen nooit", ["billing"]),
        # case and accents do not count
        ("Ik ben niet geïnformeerd over de vertraging", ["waiting-time", "communication"]),
        ("IK BEN NIET GEINFORMEERD", ["communication"]),
        # English forms
        ("Waited ages on hold, the prices are too high", ["price", "waiting-time"]),
        (
            "Deliveries are always late and the invoices are wrong",
            ["punctuality", "delivery", "billing"],
        ),
        ("Lovely people", []),
    ],
)
def test_topics_come_from_the_taxonomy_in_any_word_form(text: str, topics: list[str]) -> None:
    assert analyse_comment(text).topics == topics


def test_a_pick_list_root_cause_maps_onto_its_topic_first() -> None:
    text = "De monteur was heel vriendelijk"
    assert analyse_comment(text).topics == ["staff"]
    # by topic id, by a label listed under root_causes, loosely compared
    assert analyse_comment(text, root_cause="price").topics == ["price", "staff"]
    assert analyse_comment(text, root_cause="De Prijs").topics == ["price", "staff"]
    assert analyse_comment(text, root_cause="waiting_time").topics == ["waiting-time", "staff"]
    assert analyse_comment(text, root_cause="staff").topics == ["staff"]
    # the demo survey's pick-list ids
    assert analyse_comment("", root_cause="punctuality").topics == ["punctuality"]
    assert analyse_comment("", root_cause="quality").topics == ["product-quality"]
    # an answer the taxonomy does not know adds no topic
    assert analyse_comment(text, root_cause="weather").topics == ["staff"]


def test_the_batch_gives_the_same_as_one_by_one_in_order() -> None:
    texts = [t for t, _, _ in SENTENCES]
    causes = ["price", *([None] * (len(texts) - 1))]
    batch = analyse_comments(texts, root_causes=causes)
    assert batch == [analyse_comment(t, root_cause=c) for t, c in zip(texts, causes, strict=True)]
    assert batch[0].topics[0] == "price"
    with pytest.raises(ValueError, match="root causes"):
        analyse_comments(texts, root_causes=["price"])


def test_the_result_is_the_documented_contract() -> None:
    result = analyse_comment("Te duur.", root_cause="price")
    assert isinstance(result, CommentAnalysis)
    assert result.model_dump() == {
        "language": "nl",
        "sentiment": result.sentiment,
        "label": "negative",
        "kind": "complaint",
        "topics": ["price"],
    }


class GermanScorer:
    """A scorer for one more language: what a stronger model would plug in the same way."""

    language = "de"

    def score(self, text: str) -> Polarity:
        return Polarity(score=-0.8 if "schlecht" in text.lower() else 0.6, evidence=1)


def test_a_scorer_for_another_language_plugs_into_the_analyser() -> None:
    packaged = default_analyser()
    analyser = LexiconAnalyser(
        packaged.detector,
        [*packaged.scorers.values(), GermanScorer()],
        default_taxonomy(),
        SimplemmaLemmatizer(),
    )
    text = "Der Service war leider sehr schlecht und langsam."
    assert analyse_comment(text).label == "neutral"  # no German scorer by default
    plugged = analyse_comment(text, analyser=analyser)
    assert (plugged.language, plugged.sentiment, plugged.kind) == ("de", -0.8, "complaint")
    assert analyse_comment("Snelle levering, top!", analyser=analyser).label == "positive"


class EchoAnalyser:
    """A whole analyser replaced: the functions take any TextAnalyser."""

    def analyse(self, text: str, root_cause: str | None = None) -> CommentAnalysis:
        return CommentAnalysis(
            language="xx", sentiment=0.5, label="positive", kind="praise", topics=[text]
        )

    def analyse_many(
        self, texts: Sequence[str], root_causes: Sequence[str | None] | None = None
    ) -> list[CommentAnalysis]:
        return [self.analyse(t) for t in texts]


def test_the_functions_accept_another_text_analyser() -> None:
    analyser: TextAnalyser = EchoAnalyser()
    assert analyse_comment("hi", analyser=analyser).topics == ["hi"]
    assert [a.topics for a in analyse_comments(["a", "b"], analyser=analyser)] == [["a"], ["b"]]
