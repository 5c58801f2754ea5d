"""Function words of the seven supported languages, to keep them out of "why" reasons.

Pure: no models, no Django. A card names the words that raised an entry's score; "the",
"une" or "und" carry no meaning for the curator, whatever weight a model gave them (they
are frequent, so a few decisions can tilt their weight either way). The lists are short and
written for this use: articles, pronouns, prepositions, conjunctions, auxiliary and modal
verbs, frequent adverbs, number words and the verbs of reported speech that every news item
holds ("said", "a déclaré"). A word listed in any language is excluded in all of them,
since an entry's language is sometimes misread and titles mix languages; except the few
that are a function word in one language and a content word in another (German "war",
French "car", Spanish "sea", Dutch "men"): those are excluded only from entries of a
language that lists them (or of unknown language), so an English card can still say "war".

Words are compared folded (case and accents removed, as the features fold them).
"""

from __future__ import annotations

import re
import unicodedata

_EN = """
a about above after again against ago all almost also although always am among an and
another any anyone anything are around as at away back be became because become been
before being below between both but by can cannot could did do does doing done down during
each either else even ever every few for from further get gets got had has have having he
her here hers herself him himself his how however i if in into is it its itself just last
least less like made make many may me might more most much must my myself near neither
never new next no nor not now of off often on once one only or other others our ours
ourselves out over own per perhaps put rather said same say saying says see seen several
shall she should since so some still such than that the their theirs them themselves then
there these they this those though through thus to too told took under until up upon us
very via was we were what when where whether which while who whom whose why will with
within without would yet you your yours yourself yourselves
two three four five six seven eight nine ten first second third also mr mrs ms dr
s t don didn doesn isn wasn aren weren won wouldn couldn shouldn ll ve re
"""

_FR = """
à afin ai aie aient ainsi alors après as assez au aucun aucune aujourd aujourd'hui auprès
auquel aura aurai auraient aurait aussi autre autres aux auxquels avaient avais avait avant
avec avez avoir avons ayant beaucoup bien car ce ceci cela celle celles celui cependant ces
cet cette ceux chacun chaque chez ci comme comment contre d dans de déjà depuis des dès
desquels deux devant donc dont du duquel durant elle elles en encore entre es est et été
étaient était étant être eu eux fait faire fois font hors il ils j jamais je jusqu jusque l
la là laquelle le lequel les lesquels leur leurs lors lorsqu lorsque lui m ma mais me même
mêmes mes moi moins mon n ne ni non nos notre nous on ont or ou où par parce parmi pas
pendant peu peut peuvent plus plusieurs pour pourquoi pourrait puis qu quand que quel quelle
quelles quels qui quoi s sa sans se selon sera serait ses si sien soi soit son sont sous
souvent sur t ta tandis te tes toi ton tous tout toute toutes très trop tu un une vers
voici voilà vos votre vous y
déclaré a dit affirmé indiqué précisé annoncé selon
trois quatre cinq six sept huit neuf dix premier première
"""

_DE = """
aber alle allem allen aller alles als also am an ander andere anderen anders auch auf aus
bei beim bin bis bisher bist da dabei dadurch dafür dagegen daher damit dann darauf darum
das dass daß dein deine dem den denen denn der deren des deshalb dessen dich dies diese
diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einige
er es etwa etwas euch euer für gegen gewesen hab habe haben hat hatte hatten hier hin hinter
ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in indem ins ist ja jede jedem jeden jeder
jedes jedoch jene jetzt kann kein keine keinem keinen keiner können könnte machen man mehr mein
meine mich mir mit muss musste nach nachdem nein nicht nichts noch nun nur ob oder ohne
schon sehr sei seid sein seine seinem seinen seiner seit sich sie sind so solche soll
sollte sondern sonst über um und uns unser unsere unter viel vom von vor während war waren
warst was weil weiter welche welchem welchen welcher welches wenn wer werde werden wie
wieder wir wird wo wurde wurden zu zum zur zwar zwischen
sagte sagt zwei drei vier fünf
"""

_ES = """
a al algo algunas algunos ante antes aquel aquella aquellas aquellos aquí así aún cada
como con contra cual cuales cuando cuándo de del desde donde dónde dos durante e el él ella
ellas ellos en entre era eran es esa esas ese eso esos esta está están estas este esto
estos fue fueron ha habían había han hasta hay la las le les lo los más me mi mis muy nada
ni no nos nosotros o otra otras otro otros para pero poco por porque qué que quien quienes
se sea según ser si sí sido sin sino sobre son su sus también tan tanto te tiene tienen
todo todos tras tu tus un una unas uno unos usted ya yo
dijo afirmó aseguró tres cuatro cinco
"""

_IT = """
a ad agli ai al alla alle allo anche ancora avere aveva avevano c che chi ci come con
contro cosa così cui da dai dal dalla dalle dei del della delle dello dentro di dopo dove
e è ed era erano essere gli ha hanno ho i il in io la le lei lo loro lui ma mentre mi mio
molto ne negli nei nel nella nelle nello noi non nostro o ogni oppure per perché però più
poi prima qua quale quali quando quanto quella quelle quelli quello questa queste questi
questo qui se sei senza si sia siamo siano sono sopra sotto su sua sue sui sul sulla sulle
suo suoi tra tutta tutte tutti tutto un una uno voi
ha detto secondo due tre quattro cinque
"""

_NL = """
aan al alle alleen als altijd ben bij daar dan dat de der deze die dit doch doen dus een
eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets
ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu
of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want
waren was wat we wel werd wezen wie wij wil worden wordt zal ze zei zelf zich zij zijn zo
zonder zou
twee drie vier vijf
"""

_PT = """
a à ao aos aquela aquelas aquele aqueles aquilo as às até com como contra da das de dela
delas dele deles depois do dos e é ela elas ele eles em entre era eram essa essas esse
esses esta está estão estas este estes eu foi foram há isso isto já la lhe lhes mais mas
me mesmo meu meus minha minhas muito na não nas nem no nos nós nossa nossas nosso nossos
num numa o os ou para pela pelas pelo pelos por porque quando que quem se sem ser seu seus
só sobre sua suas também te tem têm teu tua um uma umas uns você vocês
disse segundo dois duas três quatro cinco
"""

LISTS = {"en": _EN, "fr": _FR, "de": _DE, "es": _ES, "it": _IT, "nl": _NL, "pt": _PT}

_COMBINING = re.compile(r"[\u0300-\u036f]")


def _fold(word: str) -> str:
    # The same folding as ``suggestions.scoring.fold`` (lib must not import from apps).
    return _COMBINING.sub("", unicodedata.normalize("NFKD", word.casefold()))


def _words(block: str) -> set[str]:
    # "aujourd'hui" is kept whole and as its parts, as tokenizers split it either way.
    words = set()
    for token in block.split():
        folded = _fold(token)
        words.add(folded)
        words.update(p for p in re.split(r"\W+", folded) if p)
    return words


BY_LANGUAGE: dict[str, frozenset[str]] = {code: frozenset(_words(b)) for code, b in LISTS.items()}
STOPWORDS: frozenset[str] = frozenset().union(*BY_LANGUAGE.values())
# Function words of one language that carry meaning in another (folded).
AMBIGUOUS = frozenset(
    {"war", "man", "hat", "dies", "car", "son", "sea", "men", "era", "dove", "come", "fue"}
)


def is_stopword(word: str, language: str = "") -> bool:
    """True for a function word of the supported languages, a number or a one-letter
    word. ``language`` (the entry's code) decides the few ambiguous words."""
    folded = _fold(word)
    if len(folded) < 2 or folded.isdigit():
        return True
    if folded not in STOPWORDS:
        return False
    code = (language or "").split("-")[0].lower()
    if folded in AMBIGUOUS and code in BY_LANGUAGE:
        return folded in BY_LANGUAGE[code]
    return True
