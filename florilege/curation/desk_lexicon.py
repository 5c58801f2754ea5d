"""Whether a reader's words likely need a curator's attention: a small lexicon, French and
English, that says which words made it decide.

Deliberately simple and explainable rather than clever: the desk shows the matched words
("words: arnaque, menteur"), so a member sees at once why an item was flagged and can
clear a wrong flag. Each entry is a word or the start of one (``stem*``) with a weight;
insults and threats weigh 2 (one is enough), complaints weigh 1 (two are needed). A
negation among the two words before ("pas faux", "not bad", "no error") cancels a word.
The figures on the labelled sample (``tests/data/desk_feedback_sample.tsv``) are in
docs/curation.md.

Pure: no Django, no clock; the words are compared after folding case and accents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

THRESHOLD = 2

# word or stem* -> weight. Kept short on purpose: every entry must earn its place on the
# sample, and a long list flags ordinary criticism.
LEXICON: dict[str, int] = {
    # English: insults, threats, accusations (2)
    "idiot*": 2, "stupid*": 2, "moron*": 2, "dumb": 2, "liar*": 2, "lies": 2, "lying": 2,
    "scam*": 2, "fraud*": 2, "garbage": 2, "trash": 2, "crap": 2, "shit*": 2, "fuck*": 2,
    "disgust*": 2, "shame": 2, "shameful": 2, "pathetic": 2, "propaganda": 2, "hate": 2,
    "racist*": 2, "clickbait": 2, "spam*": 2, "offensive": 2, "sue": 2, "lawyer*": 2,
    "unsubscrib*": 1, "fake": 2, "misleading": 2, "awful": 2, "terrible": 2, "worst": 2,
    # English: complaints (1)
    "wrong": 1, "bad": 1, "error*": 1, "broken": 1, "biased": 1, "useless": 1,
    "disappoint*": 1, "annoy*": 1, "boring": 1, "outdated": 1, "inaccurate": 1,
    "false": 1, "remove": 1, "delete": 1, "complain*": 1, "ridiculous": 1, "nonsense": 1,
    # French: insults, threats, accusations (2)
    "con": 2, "cons": 2, "conne*": 2, "connard*": 2, "abruti*": 2, "debile*": 2,
    "menteur*": 2, "menteuse*": 2, "mensonge*": 2, "arnaque*": 2, "escroc*": 2,
    "merde*": 2, "putain": 2, "honte": 2, "honteu*": 2, "lamentable*": 2, "nul": 2,
    "nulle*": 2, "nuls": 2, "pourri": 2, "pourrie": 2, "pourris": 2, "pourries": 2,
    "degueulasse*": 2, "scandale*": 2,
    "scandaleu*": 2, "raciste*": 2, "desinformation": 2, "complotis*": 2, "avocat*": 2,
    "plainte": 2, "inadmissible*": 2, "inacceptable*": 2, "pire": 2, "putaclic": 2,
    "faux": 2, "fausse*": 2, "mensonger*": 2, "haine*": 2, "insult*": 2,
    # French: complaints (1)
    "erreur*": 1, "errone*": 1, "decu*": 1, "decevant*": 1, "mauvais*": 1, "inexact*": 1,
    "partial*": 1, "biaise*": 1, "inutile*": 1, "ennuyeu*": 1, "ridicule*": 1,
    "supprime*": 1, "retire*": 1, "casse": 1, "perime*": 1, "desabonn*": 1,
}  # fmt: skip

NEGATIONS = frozenset({"not", "never", "no", "pas", "jamais", "ni", "isn't", "isnt"})

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    score: int
    words: tuple[str, ...]

    @property
    def reason(self) -> str:
        """What the desk shows beside the flag."""
        return "words: " + ", ".join(self.words) if self.words else ""


def fold(text: str) -> str:
    """Lower case without accents: "Décevant" and "decevant" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")


_EXACT = {word: weight for word, weight in LEXICON.items() if not word.endswith("*")}
_STEMS = sorted(
    ((word[:-1], weight) for word, weight in LEXICON.items() if word.endswith("*")),
    key=lambda pair: -len(pair[0]),
)


def weight_of(word: str) -> int:
    if word in _EXACT:
        return _EXACT[word]
    return next((weight for stem, weight in _STEMS if word.startswith(stem)), 0)


def judge(text: str) -> Verdict:
    """The lexicon's verdict on ``text``: flagged once the weights reach ``THRESHOLD``."""
    words = _WORD.findall(fold(text))
    score = 0
    matched: list[str] = []
    for index, word in enumerate(words):
        # French elision: "l'arnaque" is "arnaque".
        bare = word.split("'")[-1] if "'" in word and not word.endswith("'t") else word
        weight = weight_of(bare)
        if not weight:
            continue
        before = words[max(0, index - 2) : index]
        if any(w in NEGATIONS for w in before):
            continue  # "pas faux", "not bad", "no error"
        score += weight
        if bare not in matched:
            matched.append(bare)
    return Verdict(score >= THRESHOLD, score, tuple(matched))
