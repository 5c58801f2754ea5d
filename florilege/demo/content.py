"""The demo's data: fictional publications, their articles, the demo topic and its first scoops.

Everything here is original text written for Florilège; the publications, studies, surveys and
organisations named in the articles are invented. It is pure data (no Django, no I/O) so the feed
renderer, the demo pages and the demo loader can all share it.

Dates are offsets (``days_ago``/``hours_ago``) rather than datetimes: :mod:`florilege.demo.feeds`
turns them into dates relative to the current day, so the demo always looks recent.

A few stories are deliberately covered by two publications with different wording (see
``DUPLICATE_STORIES``), and two press releases run word for word in two feeds each
(``SYNDICATED_STORIES``), so that clustering and "same story" detection have something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FeedFormat = Literal["rss", "atom", "json"]


@dataclass(frozen=True)
class DemoItem:
    slug: str
    title: str
    # Two to four sentences of prose; may contain inline HTML such as <em>.
    summary: str
    author: str
    tags: tuple[str, ...]
    days_ago: int
    hours_ago: int = 0


@dataclass(frozen=True)
class DemoFeed:
    slug: str
    # The (fictional) publication's name, also used as the feed title.
    title: str
    description: str
    language: str
    format: FeedFormat
    # Whether the feed carries a full article body (RSS content:encoded, Atom content) or only
    # the summary; mixing both lets the pipeline exercise its "fetch the full page" path.
    full_text: bool
    items: tuple[DemoItem, ...]

    def item(self, slug: str) -> DemoItem | None:
        return next((i for i in self.items if i.slug == slug), None)


@dataclass(frozen=True)
class DemoTopic:
    title: str
    slug: str
    description: str
    languages: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class DemoScoop:
    feed_slug: str
    item_slug: str
    # The curator's commentary, in Markdown.
    insight: str
    tags: tuple[str, ...]
    language: str


# --- Le Fil Numérique (French, RSS 2.0, full text) -------------------------------------------

# Press releases that two publications ran word for word (syndication), as wire copy and
# releases are in real feeds: the story clustering folds each pair into one queue card.
WIRE_EN = DemoItem(
    slug="open-timelines-grant-round",
    title="Open Timelines Project opens a 2 million euro grant round for small instances",
    summary=(
        "The Open Timelines Project announced a grant round of 2 million euros for community-run "
        "social servers with fewer than 10,000 accounts. Grants cover moderation tooling, hosting "
        "and accessibility audits; applications open next month and decisions will be public."
    ),
    author="Open Timelines Project",
    tags=("fediverse", "funding", "moderation"),
    days_ago=1,
    hours_ago=5,
)
WIRE_FR = DemoItem(
    slug="fonds-instances-associatives",
    title="Un fonds de 500 000 euros pour les instances associatives du fédivers",
    summary=(
        "La Fondation pour les communs numériques lance un fonds de 500 000 euros destiné aux "
        "instances associatives du fédivers de moins de 5 000 comptes. Il finance la modération, "
        "l'hébergement et l'accessibilité ; les candidatures ouvrent le mois prochain."
    ),
    author="Fondation pour les communs numériques",
    tags=("fédivers", "financement", "modération"),
    days_ago=2,
    hours_ago=2,
)


FIL_NUMERIQUE = DemoFeed(
    slug="fil-numerique",
    title="Le Fil Numérique",
    description=(
        "L'actualité des réseaux sociaux et du web ouvert, racontée simplement : "
        "fédivers, nouvelles plateformes, usages et débats."
    ),
    language="fr",
    format="rss",
    full_text=True,
    items=(
        WIRE_FR,
        DemoItem(
            slug="pacte-de-nantes-moderation",
            title=(
                "Fédivers : une centaine d'instances signent le « "
                "pacte de Nantes » sur la modération"
            ),
            summary=(
                "Réunis pendant deux jours, des administrateurs et administratrices d'instances "
                "Mastodon, Misskey et Pixelfed ont adopté un texte commun. Il fixe des délais de "
                "réponse aux signalements, un format partagé pour les listes de blocage et un "
                "principe de transparence sur les défédérations. Le pacte n'a rien de "
                "contraignant, mais il pourrait devenir la référence des petites instances."
            ),
            author="Camille Besnard",
            tags=("fédivers", "modération", "mastodon"),
            days_ago=2,
            hours_ago=5,
        ),
        DemoItem(
            slug="bluesky-nom-de-domaine-identite",
            title="Utiliser son nom de domaine comme pseudo : le pari discret de Bluesky",
            summary=(
                "Sur Bluesky, n'importe qui peut remplacer son identifiant par un nom de domaine "
                "qu'il contrôle. Ce détail technique, hérité du protocole AT, change la façon de "
                "prouver son identité : une université, un média ou une mairie montrent qui ils "
                "sont sans badge payant. Nous avons testé la manipulation, qui prend une dizaine "
                "de minutes."
            ),
            author="Yanis Ferrand",
            tags=("bluesky", "protocole AT", "identité"),
            days_ago=1,
            hours_ago=3,
        ),
        DemoItem(
            slug="migrer-compte-mastodon",
            title="Changer d'instance Mastodon sans perdre ses abonnés : mode d'emploi",
            summary=(
                "La migration de compte est l'une des fonctions les plus mal connues du fédivers. "
                "Vos abonnés vous suivent automatiquement vers la nouvelle instance, mais vos "
                "publications, elles, restent derrière vous. Voici les étapes, les pièges et ce "
                "qu'il faut exporter avant de partir."
            ),
            author="Odile Marchetti",
            tags=("mastodon", "fédivers", "tutoriel"),
            days_ago=3,
            hours_ago=8,
        ),
        DemoItem(
            slug="retour-du-fil-chronologique",
            title="Le grand retour du fil chronologique",
            summary=(
                "Lassés des recommandations opaques, de plus en plus d'utilisateurs réclament un "
                "fil trié par date. Plusieurs plateformes proposent désormais l'option, souvent "
                "cachée derrière deux menus. Reste une question : le chronologique suffit-il quand "
                "on suit des milliers de comptes ?"
            ),
            author="Théo Lambert",
            tags=("algorithmes", "fils d'actualité"),
            days_ago=4,
            hours_ago=2,
        ),
        DemoItem(
            slug="grandes-plateformes-fedivers-inquietudes",
            title=(
                "Quand les grandes plateformes rejoignent le fédivers : "
                "ce que craignent les petites instances"
            ),
            summary=(
                "L'arrivée de services commerciaux dans l'univers ActivityPub divise les "
                "administrateurs. Certains y voient une chance d'atteindre enfin le grand public, "
                "d'autres redoutent de dépendre d'acteurs capables d'imposer leurs usages. Nous "
                "avons interrogé six responsables d'instances francophones."
            ),
            author="Camille Besnard",
            tags=("fédivers", "ActivityPub"),
            days_ago=5,
            hours_ago=6,
        ),
        DemoItem(
            slug="dsa-signaleurs-de-confiance",
            title="DSA : qui sont les « signaleurs de confiance » et que changent-ils ?",
            summary=(
                "Le règlement européen sur les services numériques crée un statut pour des "
                "organisations dont les signalements doivent être traités en priorité. "
                "Associations de protection de l'enfance, organismes de défense des "
                "consommateurs : la liste s'allonge. Les petites plateformes, elles, s'inquiètent "
                "de la charge de travail."
            ),
            author="Odile Marchetti",
            tags=("DSA", "régulation", "modération"),
            days_ago=6,
            hours_ago=1,
        ),
        DemoItem(
            slug="salons-audio-essoufflement",
            title="Les salons audio en direct, une mode déjà passée ?",
            summary=(
                "Après l'engouement des débuts, les espaces de discussion audio en direct se sont "
                "faits plus rares. Ils survivent pourtant dans des niches : clubs de lecture, "
                "communautés de joueurs, associations locales. Enquête sur un format qui a trouvé "
                "son public, en plus petit."
            ),
            author="Yanis Ferrand",
            tags=("audio social", "usages"),
            days_ago=7,
            hours_ago=4,
        ),
        DemoItem(
            slug="badges-verification-payants",
            title="Badges de vérification payants : la confusion demeure",
            summary=(
                "Le badge, autrefois signe d'une identité vérifiée, est devenu sur plusieurs "
                "réseaux un simple abonnement. Les usurpations de comptes d'institutions ont "
                "suivi. Des chercheurs proposent de distinguer clairement « compte authentifié » "
                "et « compte abonné »."
            ),
            author="Théo Lambert",
            tags=("identité", "plateformes"),
            days_ago=8,
            hours_ago=7,
        ),
        DemoItem(
            slug="ados-temps-ecran-etude",
            title=(
                "Adolescents et réseaux sociaux : une étude nuance le discours sur le temps d'écran"
            ),
            summary=(
                "Menée auprès de 3 000 collégiens par un laboratoire lyonnais, l'étude distingue "
                "les usages actifs, comme créer ou discuter, des usages passifs. Ce n'est pas tant "
                "la durée que la nature de l'activité qui compte, concluent les auteurs. Les "
                "parents interrogés, eux, surveillent surtout le nombre d'heures."
            ),
            author="Odile Marchetti",
            tags=("jeunesse", "usages"),
            days_ago=9,
            hours_ago=2,
        ),
        DemoItem(
            slug="pixelfed-photographes-amateurs",
            title="Pixelfed séduit les photographes amateurs",
            summary=(
                "Sans publicité ni algorithme, l'alternative fédérée aux réseaux de partage de "
                "photos attire des clubs photo et des naturalistes. Ses utilisateurs apprécient de "
                "voir les images dans l'ordre où elles sont publiées. Les fonctions de découverte "
                "restent toutefois limitées."
            ),
            author="Camille Besnard",
            tags=("fédivers", "photographie"),
            days_ago=10,
            hours_ago=5,
        ),
        DemoItem(
            slug="listes-de-blocage-partagees",
            title="Les listes de blocage partagées, outil ou arme ?",
            summary=(
                "Sur Bluesky comme sur Mastodon, des listes de comptes à bloquer circulent et "
                "s'adoptent en un clic. Elles protègent efficacement contre le harcèlement "
                "organisé. Mais une inscription erronée peut exclure quelqu'un de dizaines de "
                "communautés, sans recours."
            ),
            author="Yanis Ferrand",
            tags=("modération", "bluesky", "mastodon"),
            days_ago=11,
            hours_ago=3,
        ),
        DemoItem(
            slug="medias-locaux-fedivers",
            title="Ces médias locaux qui publient directement sur le fédivers",
            summary=(
                "Un hebdomadaire de Bretagne et une radio associative d'Alsace ont ouvert leurs "
                "propres instances. Objectif : ne plus dépendre de la visibilité accordée par les "
                "algorithmes. Les premiers résultats sont modestes, mais l'audience est plus "
                "fidèle."
            ),
            author="Théo Lambert",
            tags=("médias", "fédivers", "information"),
            days_ago=12,
            hours_ago=6,
        ),
        DemoItem(
            slug="publications-publiques-entrainement-ia",
            title=(
                "Vos publications publiques peuvent-elles entraîner une "
                "IA ? Le point sur le droit d'opposition"
            ),
            summary=(
                "Plusieurs réseaux utilisent les contenus publics pour entraîner leurs modèles. "
                "En Europe, le RGPD permet de s'y opposer, mais la démarche varie d'un service à "
                "l'autre. Nous avons recensé les formulaires et leurs délais."
            ),
            author="Odile Marchetti",
            tags=("vie privée", "RGPD", "IA"),
            days_ago=13,
            hours_ago=1,
        ),
        DemoItem(
            slug="suivre-un-hashtag",
            title="Suivre un mot-dièse plutôt qu'un compte : le fédivers change d'usage",
            summary=(
                "Depuis que l'on peut s'abonner à un mot-dièse, certains utilisateurs composent "
                "leur fil autour de sujets plutôt que de personnes. La pratique favorise la "
                "découverte, mais elle expose aussi davantage au spam. Les administrateurs "
                "ajustent leurs filtres."
            ),
            author="Camille Besnard",
            tags=("fédivers", "hashtags"),
            days_ago=14,
            hours_ago=4,
        ),
        DemoItem(
            slug="serveurs-discussion-college",
            title="Les serveurs de discussion, nouvelle cour de récréation ?",
            summary=(
                "Les élèves organisent de plus en plus leur vie sociale dans des serveurs de "
                "discussion privés. Pour les enseignants, ces espaces échappent à toute "
                "visibilité. Certains collèges tentent d'y former des élèves médiateurs."
            ),
            author="Théo Lambert",
            tags=("jeunesse", "communautés"),
            days_ago=15,
            hours_ago=7,
        ),
        DemoItem(
            slug="texte-alternatif-accessibilite",
            title="Texte alternatif : le fédivers montre l'exemple",
            summary=(
                "Sur Mastodon, décrire ses images est devenu une norme sociale, au point que les "
                "publications sans description sont moins partagées. Les personnes aveugles ou "
                "malvoyantes saluent un réflexe rare ailleurs. Des outils aident désormais à "
                "rédiger ces descriptions."
            ),
            author="Yanis Ferrand",
            tags=("accessibilité", "mastodon"),
            days_ago=16,
            hours_ago=2,
        ),
        DemoItem(
            slug="portabilite-graphe-social",
            title="Emporter ses abonnés d'un réseau à l'autre : la portabilité reste un mirage",
            summary=(
                "Le droit européen garantit la portabilité des données, mais pas celle du réseau "
                "de relations. Exporter une liste de comptes suivis ne sert à rien si personne ne "
                "vous suit de l'autre côté. Les protocoles ouverts promettent mieux, à condition "
                "que tout le monde les adopte."
            ),
            author="Odile Marchetti",
            tags=("interopérabilité", "régulation"),
            days_ago=17,
            hours_ago=5,
        ),
        DemoItem(
            slug="influence-commerciale-mentions",
            title="Influence commerciale : ce que les créateurs doivent afficher",
            summary=(
                "Toute collaboration commerciale doit désormais être signalée clairement, dès le "
                "début de la publication. Les contrôles se multiplient et les premières sanctions "
                "tombent. Petit guide des mentions attendues, format par format."
            ),
            author="Théo Lambert",
            tags=("influence", "régulation", "créateurs"),
            days_ago=18,
            hours_ago=3,
        ),
        DemoItem(
            slug="fatigue-des-notifications",
            title="La fatigue des notifications pousse à la déconnexion sélective",
            summary=(
                "Désactiver les alertes, masquer les compteurs de « j'aime », programmer des "
                "plages sans écran : les stratégies de déconnexion partielle se banalisent. Un "
                "sondage réalisé pour notre rédaction montre que près d'un utilisateur sur deux a "
                "déjà coupé toutes les notifications d'une application."
            ),
            author="Camille Besnard",
            tags=("usages", "bien-être"),
            days_ago=19,
            hours_ago=6,
        ),
        DemoItem(
            slug="robots-utiles-fedivers",
            title="Météo, alertes & horaires de train : les robots utiles du fédivers",
            summary=(
                "Loin des faux comptes, de nombreux robots déclarés publient des informations "
                "pratiques. Leur statut est clair : une mention « automatisé » figure sur leur "
                "profil. Notre sélection, et quelques conseils pour créer le vôtre."
            ),
            author="Yanis Ferrand",
            tags=("fédivers", "robots"),
            days_ago=21,
            hours_ago=2,
        ),
        DemoItem(
            slug="rumeurs-en-periode-de-crise",
            title="En période de crise, les rumeurs courent plus vite que les démentis",
            summary=(
                "Lors des dernières inondations, des images anciennes ont circulé comme si elles "
                "étaient récentes. Les autorités ont répondu, mais avec plusieurs heures de "
                "retard. Des chercheurs plaident pour des comptes officiels mieux préparés."
            ),
            author="Odile Marchetti",
            tags=("désinformation", "information"),
            days_ago=23,
            hours_ago=4,
        ),
        DemoItem(
            slug="video-courte-redactions",
            title="Les jeunes s'informent en vidéo courte, et les rédactions s'adaptent",
            summary=(
                "Formats verticaux, présentateurs face caméra, sous-titres incrustés : les "
                "rédactions réinventent le journal pour les plateformes vidéo. Le défi consiste à "
                "rester rigoureux en moins d'une minute. Reportage dans trois rédactions qui ont "
                "franchi le pas."
            ),
            author="Théo Lambert",
            tags=("vidéo", "information", "médias"),
            days_ago=25,
            hours_ago=1,
        ),
        DemoItem(
            slug="moderateurs-benevoles-epuisement",
            title="Modérateurs bénévoles : l'épuisement guette",
            summary=(
                "Sur les forums et les instances indépendantes, la modération repose souvent sur "
                "quelques volontaires. Ils décrivent une charge mentale croissante et un manque de "
                "reconnaissance. Des pistes existent : rotation, outils partagés, soutien "
                "psychologique."
            ),
            author="Camille Besnard",
            tags=("modération", "communautés"),
            days_ago=27,
            hours_ago=5,
        ),
    ),
)


# --- Agora des réseaux (French, Atom 1.0, summaries only) -----------------------------------

AGORA_RESEAUX = DemoFeed(
    slug="agora-reseaux",
    title="Agora des réseaux",
    description=(
        "Régulation, vie privée et droits des utilisateurs : ce que les règles européennes "
        "changent concrètement sur les réseaux sociaux."
    ),
    language="fr",
    format="atom",
    full_text=False,
    items=(
        WIRE_FR,
        DemoItem(
            slug="etude-signalements-sans-reponse",
            title=(
                "Signalements : la moitié restent sans réponse au "
                "bout d'une semaine, selon une étude"
            ),
            summary=(
                "Des chercheurs de l'Observatoire Sigma des plateformes ont envoyé 4 000 "
                "signalements tests à huit réseaux sociaux. Près d'un sur deux n'avait reçu "
                "aucune réponse après sept jours, et les décisions motivées restent rares. Les "
                "auteurs y voient un écart avec les exigences du règlement sur les services "
                "numériques."
            ),
            author="Inès Gautier",
            tags=("DSA", "modération", "étude"),
            days_ago=3,
            hours_ago=2,
        ),
        DemoItem(
            slug="lire-rapports-de-transparence",
            title="Rapports de transparence : comment les lire sans se perdre",
            summary=(
                "Le DSA impose aux grandes plateformes de publier le nombre de contenus retirés, "
                "les délais de traitement et les moyens humains consacrés à la modération. Ces "
                "documents restent touffus et difficiles à comparer. Notre guide pour repérer les "
                "chiffres qui comptent."
            ),
            author="Marc-Antoine Roux",
            tags=("DSA", "transparence"),
            days_ago=1,
            hours_ago=4,
        ),
        DemoItem(
            slug="contester-decision-moderation",
            title="Contester une décision de modération : vos droits",
            summary=(
                "Un compte suspendu, une publication retirée ? Le droit européen prévoit "
                "désormais une explication, un recours interne et l'accès à des organismes de "
                "règlement extrajudiciaire des litiges. Mode d'emploi, étape par étape."
            ),
            author="Salomé Vidal",
            tags=("DSA", "droits", "modération"),
            days_ago=2,
            hours_ago=6,
        ),
        DemoItem(
            slug="publicite-ciblee-mineurs",
            title="Publicité ciblée et mineurs : ce qui est désormais interdit",
            summary=(
                "Les grandes plateformes ne peuvent plus présenter de publicité fondée sur le "
                "profilage aux utilisateurs dont elles savent qu'ils sont mineurs. Reste à savoir "
                "comment elles le savent. La vérification de l'âge ouvre un autre débat, celui de "
                "la vie privée."
            ),
            author="Inès Gautier",
            tags=("publicité", "jeunesse", "vie privée"),
            days_ago=4,
            hours_ago=3,
        ),
        DemoItem(
            slug="verification-age-casse-tete",
            title="Vérification de l'âge en ligne : le casse-tête",
            summary=(
                "Pièce d'identité, estimation par l'image, tiers de confiance : aucune solution "
                "ne concilie parfaitement protection des mineurs et anonymat. Les autorités de "
                "protection des données rappellent le principe de minimisation. Tour d'horizon "
                "des options sur la table."
            ),
            author="Salomé Vidal",
            tags=("vie privée", "jeunesse"),
            days_ago=5,
            hours_ago=7,
        ),
        DemoItem(
            slug="interoperabilite-messageries",
            title="Interopérabilité des messageries : les premiers ponts sont ouverts",
            summary=(
                "Le règlement sur les marchés numériques oblige les grandes messageries à "
                "s'ouvrir aux services tiers. Les premiers ponts techniques fonctionnent, avec des "
                "limites : pas toujours de groupes, pas toujours le même niveau de chiffrement. "
                "Décryptage."
            ),
            author="Marc-Antoine Roux",
            tags=("DMA", "interopérabilité"),
            days_ago=6,
            hours_ago=1,
        ),
        DemoItem(
            slug="metadonnees-des-photos",
            title="Ce que vos photos disent de vous",
            summary=(
                "Coordonnées GPS, modèle d'appareil, heure précise : les métadonnées d'une image "
                "peuvent en révéler beaucoup. La plupart des réseaux les suppriment à la "
                "publication, mais pas toutes les messageries ni tous les hébergeurs. Nos conseils "
                "pour les effacer avant l'envoi."
            ),
            author="Inès Gautier",
            tags=("vie privée", "conseils"),
            days_ago=7,
            hours_ago=5,
        ),
        DemoItem(
            slug="bannieres-consentement-interfaces-trompeuses",
            title="Bannières de consentement : les interfaces trompeuses reculent-elles ?",
            summary=(
                "Bouton « Tout accepter » en couleur, refus caché sous trois clics : les autorités "
                "ont multiplié les sanctions contre ces pratiques. Notre relevé sur 200 sites "
                "montre des progrès réels, mais inégaux. Le refus en un clic n'est pas encore la "
                "norme partout."
            ),
            author="Salomé Vidal",
            tags=("vie privée", "interfaces"),
            days_ago=8,
            hours_ago=2,
        ),
        DemoItem(
            slug="audits-algorithmes-controleurs",
            title="Audits d'algorithmes : qui contrôle les contrôleurs ?",
            summary=(
                "Les très grandes plateformes doivent se soumettre chaque année à un audit "
                "indépendant. Mais les cabinets capables de les réaliser sont peu nombreux, et "
                "rémunérés par les plateformes elles-mêmes. Des chercheurs réclament un accès "
                "direct aux données."
            ),
            author="Marc-Antoine Roux",
            tags=("DSA", "algorithmes"),
            days_ago=9,
            hours_ago=6,
        ),
        DemoItem(
            slug="fedivers-rgpd-administrateurs",
            title="Administrer une instance du fédivers : êtes-vous responsable de traitement ?",
            summary=(
                "Héberger une instance Mastodon, c'est traiter des données personnelles, donc se "
                "soumettre au RGPD. Registre, mentions d'information, durée de conservation : les "
                "obligations s'appliquent aussi aux petites structures. Nous avons listé "
                "l'essentiel."
            ),
            author="Inès Gautier",
            tags=("RGPD", "fédivers"),
            days_ago=10,
            hours_ago=8,
        ),
        DemoItem(
            slug="acces-des-chercheurs-aux-donnees",
            title="L'accès des chercheurs aux données des plateformes, enfin une réalité ?",
            summary=(
                "Le DSA prévoit que des chercheurs agréés puissent étudier les risques systémiques "
                "à partir des données internes des plateformes. Les premières demandes sont en "
                "cours d'instruction. Les équipes interrogées saluent l'avancée et redoutent les "
                "délais."
            ),
            author="Salomé Vidal",
            tags=("DSA", "recherche"),
            days_ago=11,
            hours_ago=3,
        ),
        DemoItem(
            slug="harcelement-en-meute-justice",
            title="Harcèlement en meute : la justice s'adapte",
            summary=(
                "Le droit permet de poursuivre chaque participant à un raid de harcèlement, même "
                "s'il n'a publié qu'un seul message. Plusieurs décisions récentes illustrent ce "
                "principe. Les victimes pointent pourtant la lenteur des procédures."
            ),
            author="Marc-Antoine Roux",
            tags=("harcèlement", "justice"),
            days_ago=12,
            hours_ago=5,
        ),
        DemoItem(
            slug="lever-anonymat-debat",
            title="Faut-il lever l'anonymat en ligne ? Un débat qui revient",
            summary=(
                "À chaque affaire de harcèlement, l'idée d'imposer l'identité réelle sur les "
                "réseaux refait surface. Les juristes rappellent que la plupart des auteurs sont "
                "déjà identifiables par la justice, et que le pseudonymat protège aussi les "
                "lanceurs d'alerte et les victimes."
            ),
            author="Inès Gautier",
            tags=("anonymat", "vie privée"),
            days_ago=13,
            hours_ago=2,
        ),
        DemoItem(
            slug="coordinateur-services-numeriques",
            title="Le coordinateur national des services numériques, mode d'emploi",
            summary=(
                "Chaque État membre désigne une autorité chargée d'appliquer le DSA sur son "
                "territoire. Ce qu'elle peut faire, ce qu'elle ne peut pas, et comment la saisir "
                "quand une plateforme ne répond pas."
            ),
            author="Salomé Vidal",
            tags=("DSA", "régulation"),
            days_ago=14,
            hours_ago=6,
        ),
        DemoItem(
            slug="messages-prives-chiffrement",
            title="Messages privés : tous les réseaux ne se valent pas",
            summary=(
                "Certains services chiffrent les conversations de bout en bout, d'autres peuvent "
                "techniquement les lire. Sur le fédivers, les messages « privés » restent lisibles "
                "par les administrateurs des instances concernées. Tableau comparatif et "
                "recommandations."
            ),
            author="Marc-Antoine Roux",
            tags=("vie privée", "chiffrement", "fédivers"),
            days_ago=15,
            hours_ago=4,
        ),
        DemoItem(
            slug="elections-plateformes-vigilance",
            title="Élections : les plateformes sous surveillance renforcée",
            summary=(
                "À l'approche d'un scrutin, les grandes plateformes peuvent être tenues de prendre "
                "des mesures spécifiques contre la manipulation. Équipes dédiées, étiquetage des "
                "publicités politiques, coopération avec les vérificateurs : inventaire des "
                "engagements."
            ),
            author="Inès Gautier",
            tags=("élections", "DSA"),
            days_ago=16,
            hours_ago=1,
        ),
        DemoItem(
            slug="contenus-generes-ia-etiquetage",
            title="Contenus générés par IA : l'étiquetage progresse lentement",
            summary=(
                "Images retouchées, voix clonées, vidéos truquées : les réseaux promettent "
                "d'identifier les contenus synthétiques. En pratique, les étiquettes reposent "
                "souvent sur la déclaration de l'auteur. Les métadonnées de provenance pourraient "
                "changer la donne."
            ),
            author="Salomé Vidal",
            tags=("IA", "désinformation"),
            days_ago=17,
            hours_ago=5,
        ),
        DemoItem(
            slug="droit-effacement-vieilles-publications",
            title="Droit à l'effacement : faire disparaître de vieilles publications",
            summary=(
                "Un message de jeunesse qui ressurgit, une photo partagée par un tiers : le RGPD "
                "permet d'en demander la suppression, sous conditions. Les plateformes répondent "
                "de façon inégale. Nos modèles de courrier."
            ),
            author="Marc-Antoine Roux",
            tags=("RGPD", "vie privée"),
            days_ago=18,
            hours_ago=3,
        ),
        DemoItem(
            slug="majorite-numerique-ou-en-est-on",
            title="Majorité numérique : où en est-on ?",
            summary=(
                "L'idée d'exiger l'accord des parents avant 15 ans pour s'inscrire sur un réseau "
                "social fait son chemin. Son application dépend de solutions techniques encore "
                "imparfaites et du droit européen. Les associations familiales s'impatientent."
            ),
            author="Inès Gautier",
            tags=("jeunesse", "régulation"),
            days_ago=20,
            hours_ago=2,
        ),
        DemoItem(
            slug="vendeurs-tracabilite-places-de-marche",
            title="Vente sur les réseaux sociaux : qui se cache derrière le vendeur ?",
            summary=(
                "Vendre directement depuis un réseau social est devenu banal. Les plateformes "
                "doivent désormais vérifier l'identité des vendeurs professionnels. Les "
                "consommateurs ont ainsi plus de chances de savoir à qui ils achètent."
            ),
            author="Salomé Vidal",
            tags=("DSA", "commerce"),
            days_ago=21,
            hours_ago=6,
        ),
        DemoItem(
            slug="signaler-contenu-illicite",
            title="Signaler un contenu illicite : le bon réflexe",
            summary=(
                "Signalement à la plateforme, plateforme publique de signalement, plainte : selon "
                "la nature du contenu, le bon canal diffère. Nous avons classé les situations les "
                "plus fréquentes. Un réflexe à garder : une capture d'écran datée."
            ),
            author="Marc-Antoine Roux",
            tags=("signalement", "conseils"),
            days_ago=23,
            hours_ago=4,
        ),
        DemoItem(
            slug="fin-cookies-tiers-pistage",
            title="Fin des cookies tiers : le pistage change de forme",
            summary=(
                "Les navigateurs restreignent les cookies tiers, mais le suivi publicitaire ne "
                "disparaît pas pour autant. Empreinte du navigateur, identifiants de connexion, "
                "données « propriétaires » : les techniques se déplacent. Ce que cela change pour "
                "votre vie privée."
            ),
            author="Inès Gautier",
            tags=("vie privée", "publicité"),
            days_ago=25,
            hours_ago=1,
        ),
        DemoItem(
            slug="une-annee-de-sanctions",
            title="Une année de sanctions numériques : le bilan",
            summary=(
                "Amendes pour défaut de consentement, mises en demeure, procédures ouvertes au "
                "niveau européen : l'année a été chargée pour les régulateurs. Nous récapitulons "
                "les décisions marquantes et ce qu'elles ont changé pour les utilisateurs."
            ),
            author="Salomé Vidal",
            tags=("régulation", "bilan"),
            days_ago=28,
            hours_ago=5,
        ),
    ),
)


# --- Carnet des communautés (French, JSON Feed 1.1) -----------------------------------------

CARNET_COMMUNAUTES = DemoFeed(
    slug="carnet-communautes",
    title="Carnet des communautés",
    description=(
        "Animer, modérer et faire vivre une communauté en ligne ; comprendre l'économie des "
        "créateurs. Des méthodes concrètes, testées sur le terrain."
    ),
    language="fr",
    format="json",
    full_text=True,
    items=(
        DemoItem(
            slug="guilde-createurs-cooperative",
            title="La Guilde des créateurs lance une plateforme d'abonnement coopérative",
            summary=(
                "Un collectif de vidéastes, d'illustratrices et de podcasteurs francophones a créé "
                "sa propre plateforme d'abonnement sous forme de coopérative. Les créateurs en "
                "sont copropriétaires et la commission est plafonnée à 5 %. Le projet repose sur "
                "des logiciels libres et pourra se fédérer avec d'autres services."
            ),
            author="Léa Fontaine",
            tags=("économie des créateurs", "coopérative"),
            days_ago=1,
            hours_ago=6,
        ),
        DemoItem(
            slug="rediger-une-charte",
            title="Rédiger une charte de communauté qui sera vraiment lue",
            summary=(
                "Trop longue, elle est ignorée ; trop vague, elle est inapplicable. Une bonne "
                "charte tient en une page, donne des exemples concrets et explique ce qui se passe "
                "en cas d'infraction. Notre méthode en cinq étapes."
            ),
            author="Julien Carré",
            tags=("animation", "modération"),
            days_ago=2,
            hours_ago=3,
        ),
        DemoItem(
            slug="accueil-nouveaux-membres",
            title="Les dix premières minutes d'un nouveau membre",
            summary=(
                "Un message de bienvenue personnalisé, un fil épinglé pour se présenter, une "
                "première question facile : l'accueil détermine souvent si quelqu'un restera. "
                "Trois animatrices de communautés partagent leurs rituels."
            ),
            author="Nadia Benali",
            tags=("animation", "engagement"),
            days_ago=3,
            hours_ago=5,
        ),
        DemoItem(
            slug="moderation-preventive",
            title="Modération préventive : désamorcer avant de sanctionner",
            summary=(
                "Ralentir un fil trop animé, rappeler les règles avant un sujet sensible, proposer "
                "une pause : la modération ne se résume pas à supprimer. Ces gestes évitent une "
                "grande partie des conflits. Retour d'expérience d'un forum de jardinage de 40 000 "
                "membres."
            ),
            author="Julien Carré",
            tags=("modération", "animation"),
            days_ago=4,
            hours_ago=1,
        ),
        DemoItem(
            slug="mesurer-sante-communaute",
            title="Mesurer la santé d'une communauté sans tomber dans la course aux chiffres",
            summary=(
                "Le nombre de membres ne dit presque rien. Le taux de réponse aux nouveaux, la "
                "part de membres qui contribuent et la diversité des participants sont plus "
                "parlants. Proposition d'un tableau de bord minimaliste."
            ),
            author="Léa Fontaine",
            tags=("indicateurs", "animation"),
            days_ago=5,
            hours_ago=6,
        ),
        DemoItem(
            slug="lettre-information-createurs",
            title="Pourquoi les créateurs reviennent à la lettre d'information",
            summary=(
                "Une liste d'adresses électroniques appartient à celui qui l'a constituée, "
                "contrairement à une audience sur une plateforme. Face aux changements "
                "d'algorithme, de nombreux créateurs en font leur socle. Avec une règle : publier "
                "moins souvent, mais mieux."
            ),
            author="Nadia Benali",
            tags=("économie des créateurs", "lettre d'information"),
            days_ago=6,
            hours_ago=4,
        ),
        DemoItem(
            slug="rotation-moderateurs-benevoles",
            title="Organiser la rotation des modérateurs bénévoles",
            summary=(
                "Des permanences courtes, un canal privé pour décompresser, la possibilité de "
                "passer la main sans se justifier : les équipes qui durent ont des règles claires. "
                "Un modèle de planning est proposé en fin d'article."
            ),
            author="Julien Carré",
            tags=("modération", "bénévolat"),
            days_ago=7,
            hours_ago=2,
        ),
        DemoItem(
            slug="mediation-conflits-membres",
            title="Quand deux membres s'affrontent : les bases de la médiation",
            summary=(
                "Sortir la discussion de l'espace public, écouter chaque partie séparément, "
                "chercher ce que chacun veut vraiment : les techniques de médiation s'appliquent "
                "bien aux communautés en ligne. Encore faut-il savoir quand renoncer et "
                "sanctionner."
            ),
            author="Léa Fontaine",
            tags=("médiation", "animation"),
            days_ago=8,
            hours_ago=5,
        ),
        DemoItem(
            slug="financer-par-les-dons",
            title="Financer une communauté par les dons : ce qui marche",
            summary=(
                "Afficher les coûts réels, fixer un objectif mensuel visible, remercier "
                "publiquement : les instances et forums qui vivent des dons partagent les mêmes "
                "pratiques. La transparence et la régularité comptent plus que le montant."
            ),
            author="Nadia Benali",
            tags=("financement", "fédivers"),
            days_ago=9,
            hours_ago=3,
        ),
        DemoItem(
            slug="createurs-pression-regularite",
            title="Créateurs de contenu : la pression de la régularité",
            summary=(
                "Publier tous les jours pour ne pas disparaître du fil : nombre de créateurs "
                "décrivent un rythme intenable. Certains annoncent désormais des pauses planifiées "
                "et constatent que leur public les attend. Témoignages."
            ),
            author="Léa Fontaine",
            tags=("économie des créateurs", "santé"),
            days_ago=10,
            hours_ago=7,
        ),
        DemoItem(
            slug="forum-ou-reseau-social",
            title="Forum ou réseau social : quel outil pour votre communauté ?",
            summary=(
                "Le forum favorise les discussions de fond et l'archivage, le réseau social la "
                "réactivité et la découverte. Le choix dépend de ce que vos membres viennent "
                "chercher. Grille de décision et exemples."
            ),
            author="Julien Carré",
            tags=("outils", "animation"),
            days_ago=11,
            hours_ago=1,
        ),
        DemoItem(
            slug="moderation-assistee-ia",
            title="Modération assistée par IA : un outil, pas un arbitre",
            summary=(
                "Les filtres automatiques repèrent vite le spam et les insultes évidentes. Ils "
                "peinent sur l'ironie, les langues régionales et les contextes militants. Les "
                "communautés qui les utilisent gardent un humain pour toute décision de sanction."
            ),
            author="Nadia Benali",
            tags=("modération", "IA"),
            days_ago=12,
            hours_ago=4,
        ),
        DemoItem(
            slug="programmes-ambassadeurs",
            title="Programmes d'ambassadeurs : reconnaître les membres les plus engagés",
            summary=(
                "Rôles spéciaux, accès anticipé, rencontres : valoriser les contributeurs "
                "réguliers renforce toute la communauté. À condition de ne pas créer une caste "
                "fermée. Conseils pour un programme ouvert et renouvelé."
            ),
            author="Léa Fontaine",
            tags=("engagement", "animation"),
            days_ago=13,
            hours_ago=6,
        ),
        DemoItem(
            slug="evenements-en-ligne-formats",
            title="Animer un événement en ligne qui ne ressemble pas à un webinaire",
            summary=(
                "Ateliers en petits groupes, questions préparées par les membres, temps libre en "
                "fin de séance : les formats participatifs retiennent mieux l'attention. Nous "
                "avons comparé cinq formats testés par des associations."
            ),
            author="Julien Carré",
            tags=("événements", "animation"),
            days_ago=14,
            hours_ago=2,
        ),
        DemoItem(
            slug="diversifier-revenus-createur",
            title="Diversifier ses revenus de créateur : le panier de base",
            summary=(
                "Abonnements, partenariats, vente de produits, formation : les créateurs qui "
                "vivent de leur activité combinent en moyenne quatre sources de revenus. Chez les "
                "plus stables, aucune ne dépasse la moitié du total. Analyse d'un questionnaire "
                "rempli par 600 créateurs francophones."
            ),
            author="Nadia Benali",
            tags=("économie des créateurs", "revenus"),
            days_ago=15,
            hours_ago=5,
        ),
        DemoItem(
            slug="demenager-une-communaute",
            title="Déménager une communauté entière : retour d'expérience",
            summary=(
                "Après un changement de règles sur leur plateforme, les membres d'un club de "
                "lecture en ligne ont migré vers une instance fédérée. Trois mois de préparation, "
                "une équipe dédiée et 70 % des membres au rendez-vous. Les leçons d'un "
                "déménagement réussi."
            ),
            author="Léa Fontaine",
            tags=("migration", "fédivers"),
            days_ago=16,
            hours_ago=3,
        ),
        DemoItem(
            slug="traiter-les-signalements",
            title="Traiter les signalements de sa communauté sans s'y noyer",
            summary=(
                "Trier par gravité, répondre même brièvement, documenter chaque décision : un "
                "circuit simple évite l'arbitraire. Les petites équipes gagnent à partager des "
                "modèles de réponse. Exemples de messages."
            ),
            author="Julien Carré",
            tags=("modération", "signalement"),
            days_ago=17,
            hours_ago=6,
        ),
        DemoItem(
            slug="direct-video-communautes",
            title="Le direct vidéo, ciment des communautés de créateurs",
            summary=(
                "Pendant un direct, le public discute, propose, participe. Les créateurs qui "
                "diffusent régulièrement voient naître des communautés soudées autour du fil de "
                "discussion. La modération en temps réel devient alors un enjeu à part entière."
            ),
            author="Nadia Benali",
            tags=("vidéo", "économie des créateurs"),
            days_ago=18,
            hours_ago=2,
        ),
        DemoItem(
            slug="communaute-accessible",
            title="Rendre sa communauté accessible",
            summary=(
                "Descriptions d'images, sous-titres, contrastes suffisants, messages clairs : "
                "l'accessibilité profite à tous les membres. Ces gestes s'intègrent simplement "
                "dans la charte et les habitudes. Liste de vérification en douze points."
            ),
            author="Léa Fontaine",
            tags=("accessibilité", "animation"),
            days_ago=19,
            hours_ago=4,
        ),
        DemoItem(
            slug="auditeurs-podcast-communaute",
            title="Transformer ses auditeurs de podcast en communauté",
            summary=(
                "Un podcast crée de l'attachement, mais peu d'échanges entre auditeurs. Des "
                "créateurs ouvrent des espaces de discussion, organisent des écoutes collectives "
                "ou invitent leur public au micro. Trois exemples et leurs résultats."
            ),
            author="Julien Carré",
            tags=("audio", "communautés"),
            days_ago=21,
            hours_ago=6,
        ),
        DemoItem(
            slug="ne-pas-nourrir-le-troll",
            title="« Ne nourrissez pas le troll » : un conseil à nuancer",
            summary=(
                "Ignorer les provocateurs fonctionne face à un individu isolé. Face à des attaques "
                "coordonnées, le silence laisse le champ libre. Les modérateurs expérimentés "
                "combinent indifférence, réponse collective et sanction rapide."
            ),
            author="Nadia Benali",
            tags=("modération", "harcèlement"),
            days_ago=22,
            hours_ago=3,
        ),
        DemoItem(
            slug="bilan-annuel-avec-les-membres",
            title="Faire le bilan annuel de sa communauté avec ses membres",
            summary=(
                "Une enquête courte, un fil de rétrospective et une discussion ouverte sur les "
                "règles : associer les membres au bilan renforce l'adhésion. Nous partageons le "
                "questionnaire d'un serveur d'entraide entre développeurs."
            ),
            author="Léa Fontaine",
            tags=("animation", "indicateurs"),
            days_ago=24,
            hours_ago=5,
        ),
        DemoItem(
            slug="proteger-son-travail",
            title="Créateurs : protéger son travail sans se fâcher avec son public",
            summary=(
                "Reprises non créditées, comptes qui republient sans autorisation : les créateurs "
                "cherchent l'équilibre entre protection et partage. Licences libres, filigranes, "
                "demandes de retrait : chaque outil a ses limites. Les conseils d'une juriste."
            ),
            author="Julien Carré",
            tags=("droit d'auteur", "économie des créateurs"),
            days_ago=27,
            hours_ago=1,
        ),
    ),
)


# --- Open Social Weekly (English, Atom 1.0, full text) --------------------------------------

OPEN_SOCIAL_WEEKLY = DemoFeed(
    slug="open-social-weekly",
    title="Open Social Weekly",
    description=(
        "News and explainers from the open social web: the fediverse, ActivityPub, "
        "the AT Protocol and the people building them."
    ),
    language="en",
    format="atom",
    full_text=True,
    items=(
        WIRE_EN,
        DemoItem(
            slug="nantes-covenant-moderation",
            title="Fediverse admins sign the 'Nantes covenant' on moderation",
            summary=(
                "Around a hundred server administrators running Mastodon, Misskey and Pixelfed "
                "agreed on a shared moderation text after a two-day meetup. It sets response times "
                "for reports, a common format for blocklists and a transparency rule for "
                "defederation decisions. Nothing in it is binding, yet small servers may well "
                "adopt it as their baseline."
            ),
            author="Priya Natarajan",
            tags=("fediverse", "moderation", "mastodon"),
            days_ago=2,
            hours_ago=3,
        ),
        DemoItem(
            slug="activitypub-in-ten-minutes",
            title="ActivityPub in ten minutes: inboxes, outboxes and actors",
            summary=(
                "Every account on the fediverse is an <em>actor</em> with an inbox and an outbox. "
                "Servers deliver activities such as Create, Follow or Like by posting JSON "
                "documents to each other's inboxes. Once you see that, most quirks of federated "
                "timelines start to make sense."
            ),
            author="Tom Eriksen",
            tags=("activitypub", "explainer"),
            days_ago=1,
            hours_ago=2,
        ),
        DemoItem(
            slug="self-hosting-a-pds",
            title="Running your own PDS on the AT Protocol: a weekend report",
            summary=(
                "A personal data server stores your posts and identity, while relays and app "
                "views do the heavy lifting for the network. We set one up on a small virtual "
                "machine and moved an existing account to it. The migration worked, though the "
                "documentation assumes a fair amount of prior knowledge."
            ),
            author="Maya Okafor",
            tags=("bluesky", "at protocol", "self-hosting"),
            days_ago=3,
            hours_ago=6,
        ),
        DemoItem(
            slug="bridges-fediverse-bluesky",
            title="Bridges between the fediverse and Bluesky: how they work and who opts in",
            summary=(
                "Bridging services translate posts, replies and follows between ActivityPub and "
                "the AT Protocol. They are opt-in by design, because many people never agreed to "
                "be visible on another network. The result is a patchwork that works better than "
                "expected for public accounts."
            ),
            author="Daniel Reyes",
            tags=("interoperability", "bluesky", "fediverse"),
            days_ago=4,
            hours_ago=1,
        ),
        DemoItem(
            slug="custom-feeds-survey",
            title="Survey: one in three Bluesky users now relies on custom feeds",
            summary=(
                "An independent survey of 2,500 users, run by the Open Timelines Project, found "
                "that a third of respondents spend most of their time in custom feeds rather than "
                "the default Following timeline. Topic feeds for science, art and local news were "
                "the most popular. Respondents said they value switching ranking logic at will."
            ),
            author="Priya Natarajan",
            tags=("bluesky", "algorithms", "custom feeds"),
            days_ago=5,
            hours_ago=4,
        ),
        DemoItem(
            slug="quote-posts-consent",
            title="Why quote posts took so long on the fediverse",
            summary=(
                "Quote posts were long resisted on Mastodon over fears that they fuel pile-ons. "
                "The design that emerged lets authors decide whether, and by whom, their posts may "
                "be quoted. It is a good example of a consent-first take on a familiar feature."
            ),
            author="Tom Eriksen",
            tags=("mastodon", "design"),
            days_ago=6,
            hours_ago=5,
        ),
        DemoItem(
            slug="webfinger-handles",
            title="What's in a handle? WebFinger and the @user@domain format",
            summary=(
                "The double-at addresses of the fediverse are resolved with WebFinger, a small "
                "protocol that turns a handle into a profile URL. It is the reason you can search "
                "for someone from any server. It is also why changing domains is harder than "
                "changing a display name."
            ),
            author="Maya Okafor",
            tags=("fediverse", "protocols"),
            days_ago=7,
            hours_ago=3,
        ),
        DemoItem(
            slug="cost-of-a-small-instance",
            title="What it really costs to run a 500-person instance",
            summary=(
                "We asked a dozen administrators to share their monthly bills. Hosting is the "
                "smallest line; media storage and the hours spent on moderation are the real "
                "costs. Most cover expenses through member donations and keep a reserve for the "
                "occasional traffic spike."
            ),
            author="Daniel Reyes",
            tags=("fediverse", "hosting", "sustainability"),
            days_ago=8,
            hours_ago=6,
        ),
        DemoItem(
            slug="relays-explained",
            title="Relays: the quiet infrastructure behind federated discovery",
            summary=(
                "Small servers only see the posts their members follow, which makes hashtags feel "
                "empty. Relays share public posts among participating servers to fill that gap. "
                "They also raise questions about consent and load that the community is still "
                "debating."
            ),
            author="Tom Eriksen",
            tags=("fediverse", "discovery"),
            days_ago=9,
            hours_ago=2,
        ),
        DemoItem(
            slug="circles-and-audiences",
            title="Lists, circles and audiences: who sees what you post",
            summary=(
                "Open networks have mostly offered two choices: public or followers-only. Several "
                "projects are experimenting with circles that let you address a smaller audience "
                "without opening a second account. Getting the privacy guarantees right across "
                "servers is the hard part."
            ),
            author="Maya Okafor",
            tags=("privacy", "design"),
            days_ago=10,
            hours_ago=4,
        ),
        DemoItem(
            slug="fediverse-groups",
            title="Groups on the fediverse are finally getting good",
            summary=(
                "Forum-style software that speaks ActivityPub lets people follow a group from any "
                "account. Threads, moderator roles and pinned posts now federate reasonably well. "
                "For communities leaving closed platforms, this may be the missing piece."
            ),
            author="Priya Natarajan",
            tags=("fediverse", "communities"),
            days_ago=11,
            hours_ago=1,
        ),
        DemoItem(
            slug="labelers-composable-moderation",
            title="Labelers and composable moderation on the AT Protocol",
            summary=(
                "Instead of one moderation policy for everyone, the AT Protocol lets independent "
                "labelers tag content, and users subscribe to the labelers they trust. It spreads "
                "moderation work across many hands. Critics worry it also spreads responsibility "
                "so thin that nobody holds it."
            ),
            author="Daniel Reyes",
            tags=("moderation", "at protocol", "bluesky"),
            days_ago=12,
            hours_ago=5,
        ),
        DemoItem(
            slug="opt-in-search",
            title="Full-text search arrives, with an opt-in",
            summary=(
                "For years the fediverse avoided full-text search so that posts could not easily "
                "be trawled by harassers. Newer releases allow it only for people who choose to be "
                "indexed. The default matters, and most people have so far left it off."
            ),
            author="Tom Eriksen",
            tags=("fediverse", "privacy", "search"),
            days_ago=13,
            hours_ago=3,
        ),
        DemoItem(
            slug="portable-identity-dids",
            title="Portable identity with DIDs, explained without the hype",
            summary=(
                "Decentralised identifiers give an account a stable ID that is not tied to any one "
                "server. On Bluesky, that means you can move hosts and keep your followers. The "
                "catch: whoever controls the recovery keys controls the identity."
            ),
            author="Maya Okafor",
            tags=("identity", "at protocol"),
            days_ago=14,
            hours_ago=6,
        ),
        DemoItem(
            slug="newsrooms-run-their-own-servers",
            title="Newsrooms that run their own fediverse servers",
            summary=(
                "A few publishers now host their own servers so that every journalist's handle "
                "carries the outlet's domain. It doubles as verification and keeps the audience "
                "relationship in house. Engagement is lower than on big platforms, but noticeably "
                "more thoughtful."
            ),
            author="Priya Natarajan",
            tags=("news", "fediverse", "verification"),
            days_ago=15,
            hours_ago=2,
        ),
        DemoItem(
            slug="content-warnings-culture",
            title="Content warnings: a fediverse habit worth exporting",
            summary=(
                "Collapsing a post behind a short warning lets readers choose when to engage with "
                "heavy topics. Newcomers sometimes find the practice fussy. Long-time users argue "
                "it is what keeps their timelines humane."
            ),
            author="Daniel Reyes",
            tags=("culture", "fediverse"),
            days_ago=16,
            hours_ago=4,
        ),
        DemoItem(
            slug="surviving-spam-waves",
            title="How small servers survived the latest spam wave",
            summary=(
                "Automated accounts registered on open servers and flooded replies with links. "
                "Admins responded by pausing sign-ups, sharing domain blocks and adding simple "
                "challenges. The episode renewed the case for approval-based registration."
            ),
            author="Tom Eriksen",
            tags=("spam", "moderation"),
            days_ago=17,
            hours_ago=1,
        ),
        DemoItem(
            slug="three-protocols-compared",
            title="Nostr, ActivityPub & AT: three ways to decentralise a timeline",
            summary=(
                "Nostr relies on relays and key pairs, ActivityPub on federated servers, and the "
                "AT Protocol on portable repositories and shared indexes. Each makes a different "
                "trade-off between simplicity, moderation and discoverability. A side-by-side "
                "comparison for the curious."
            ),
            author="Maya Okafor",
            tags=("protocols", "comparison"),
            days_ago=19,
            hours_ago=5,
        ),
        DemoItem(
            slug="how-the-fediverse-writes-standards",
            title="How the fediverse writes its standards",
            summary=(
                "Enhancement proposals are short documents describing extensions that go beyond "
                "the original specification. Anyone can submit one, and implementers decide "
                "whether to follow. The process is slow and messy, and surprisingly effective."
            ),
            author="Priya Natarajan",
            tags=("activitypub", "standards"),
            days_ago=20,
            hours_ago=3,
        ),
        DemoItem(
            slug="long-form-federation",
            title="Long-form writing meets the fediverse",
            summary=(
                "Blogging platforms that federate let readers follow a blog from their usual "
                "account and reply in place. Replies come back as comments under the article. The "
                "old line between a blog and a social network is getting blurry."
            ),
            author="Daniel Reyes",
            tags=("blogging", "fediverse"),
            days_ago=22,
            hours_ago=6,
        ),
        DemoItem(
            slug="moderation-tools-admins-want",
            title="The moderation tools admins actually want",
            summary=(
                "We asked forty administrators which moderation features they miss most. Top of "
                "the list: context attached to reports, shared notes between moderators and a way "
                "to see an account's history across servers. None of it is glamorous; all of it "
                "saves time."
            ),
            author="Tom Eriksen",
            tags=("moderation", "tooling"),
            days_ago=24,
            hours_ago=2,
        ),
        DemoItem(
            slug="decentralised-but-how-much",
            title="Decentralised, but how much? The concentration question",
            summary=(
                "A handful of large servers still host a big share of fediverse accounts, and a "
                "few services dominate the AT Protocol network. Decentralisation on paper does not "
                "guarantee it in practice. Defaults, onboarding and funding all pull toward "
                "concentration."
            ),
            author="Maya Okafor",
            tags=("decentralisation", "analysis"),
            days_ago=26,
            hours_ago=4,
        ),
        DemoItem(
            slug="last-month-on-open-social",
            title="Last month on open social: our roundup",
            summary=(
                "New federated video apps, quote posts spreading, bridges maturing and a lively "
                "debate about relays: it was a busy month on open networks. Here are the stories "
                "we followed and what we expect next."
            ),
            author="Priya Natarajan",
            tags=("roundup", "fediverse"),
            days_ago=29,
            hours_ago=1,
        ),
    ),
)


# --- The Timeline Review (English, RSS 2.0, summaries only) ---------------------------------

TIMELINE_REVIEW = DemoFeed(
    slug="timeline-review",
    title="The Timeline Review",
    description=(
        "How feeds are ranked, how news travels on social platforms, and what the research says."
    ),
    language="en",
    format="rss",
    full_text=False,
    items=(
        DemoItem(
            slug="half-of-reports-unanswered",
            title="Half of user reports go unanswered for a week, study finds",
            summary=(
                "Researchers at the Sigma Platforms Observatory filed 4,000 test reports across "
                "eight social networks. Nearly half had received no answer after seven days, and "
                "few decisions came with a meaningful explanation. The authors say the results "
                "fall short of what Europe's Digital Services Act expects."
            ),
            author="Hannah Whitfield",
            tags=("moderation", "DSA", "research"),
            days_ago=3,
            hours_ago=4,
        ),
        DemoItem(
            slug="custom-feeds-go-mainstream",
            title="Custom feeds go mainstream: a third of Bluesky users live in them",
            summary=(
                "A new survey from the Open Timelines Project suggests custom feeds are no longer "
                "a power-user feature. A third of respondents said they mainly read feeds built by "
                "other people, with science and local news topping the list. Our take: "
                "user-chosen ranking is the most interesting experiment in feed design right now."
            ),
            author="Samuel Osei",
            tags=("algorithms", "bluesky", "custom feeds"),
            days_ago=5,
            hours_ago=1,
        ),
        DemoItem(
            slug="hidden-costs-of-engagement-ranking",
            title="The hidden costs of ranking by engagement",
            summary=(
                "Ranking posts by predicted likes and replies keeps people scrolling, but it also "
                "rewards outrage and sensational claims. Experiments suggest that small changes, "
                "such as down-ranking reshares of reshares, reduce the spread of low-quality "
                "content. Platforms rarely adopt them by default."
            ),
            author="Clara Lindqvist",
            tags=("algorithms", "ranking"),
            days_ago=1,
            hours_ago=5,
        ),
        DemoItem(
            slug="where-did-social-traffic-go",
            title="Where did the social traffic go?",
            summary=(
                "Publishers report steep drops in visits from big social platforms. Link posts are "
                "shown less, and people read summaries without clicking. Newsrooms are rebuilding "
                "direct relationships through newsletters, apps and open networks."
            ),
            author="Hannah Whitfield",
            tags=("news", "traffic"),
            days_ago=2,
            hours_ago=2,
        ),
        DemoItem(
            slug="bridging-algorithms",
            title="Bridging algorithms: rewarding agreement across divides",
            summary=(
                "Some ranking systems boost content that people with different viewpoints both "
                "rate as helpful. The approach already powers crowd-written context notes. "
                "Researchers are now testing it on regular feeds, with promising early results."
            ),
            author="Samuel Osei",
            tags=("algorithms", "polarisation"),
            days_ago=4,
            hours_ago=6,
        ),
        DemoItem(
            slug="chronological-is-not-neutral",
            title="Chronological is not neutral",
            summary=(
                "A time-ordered feed favours whoever posts most often and at the busiest hours. It "
                "is transparent, which matters, but it is still a choice with winners and losers. "
                "The better question is <em>who</em> gets to choose the ranking."
            ),
            author="Clara Lindqvist",
            tags=("algorithms", "feeds"),
            days_ago=6,
            hours_ago=3,
        ),
        DemoItem(
            slug="crowd-fact-checks-too-late",
            title="Crowd fact-checks arrive, but often too late",
            summary=(
                "Community-written context notes can be accurate and trusted across political "
                "lines. Their weakness is speed: by the time a note is shown, most views have "
                "already happened. Some proposals would slow sharing until a note is settled."
            ),
            author="Hannah Whitfield",
            tags=("misinformation", "fact-checking"),
            days_ago=7,
            hours_ago=1,
        ),
        DemoItem(
            slug="neighbourhood-groups-local-news",
            title="Neighbourhood groups are the new local paper, for better and worse",
            summary=(
                "In many towns, community groups on social platforms have become the place to "
                "learn about road works and lost pets. They are fast and participatory, but "
                "rumours travel just as quickly. Some local journalists now contribute to these "
                "groups directly."
            ),
            author="Samuel Osei",
            tags=("local news", "communities"),
            days_ago=8,
            hours_ago=4,
        ),
        DemoItem(
            slug="why-am-i-seeing-this",
            title="Why am I seeing this? Testing recommendation explanations",
            summary=(
                "European rules require large platforms to explain the main parameters of their "
                "recommender systems and to offer a non-profiled option. We tried the explanation "
                "panels on four apps. Most showed generic text that told us little about the post "
                "in front of us."
            ),
            author="Clara Lindqvist",
            tags=("DSA", "transparency", "algorithms"),
            days_ago=9,
            hours_ago=6,
        ),
        DemoItem(
            slug="short-video-news-habit",
            title="Short video is now a news habit",
            summary=(
                "For younger audiences, vertical video apps have become a main gateway to news. "
                "Creators who explain events to camera often outperform established outlets. "
                "Journalists are learning the format, and finding that trust there is personal "
                "rather than institutional."
            ),
            author="Hannah Whitfield",
            tags=("news", "video"),
            days_ago=10,
            hours_ago=2,
        ),
        DemoItem(
            slug="researchers-get-platform-data",
            title="Researchers are finally getting platform data, slowly",
            summary=(
                "Under the Digital Services Act, vetted researchers can request access to internal "
                "data to study systemic risks. The first requests are making their way through the "
                "system. The teams we spoke to welcomed the principle and worried about timelines."
            ),
            author="Samuel Osei",
            tags=("research", "DSA"),
            days_ago=11,
            hours_ago=2,
        ),
        DemoItem(
            slug="middleware-ranking",
            title="Middleware: letting third parties rank your feed",
            summary=(
                "The idea is simple: platforms host the content, independent services decide how "
                "to sort and filter it. Open protocols make it practical for the first time. The "
                "open questions are business models and who is liable for the choices."
            ),
            author="Clara Lindqvist",
            tags=("algorithms", "interoperability"),
            days_ago=11,
            hours_ago=5,
        ),
        DemoItem(
            slug="election-week-playbook",
            title="An election-week playbook for newsrooms on social",
            summary=(
                "Pre-written explainers, a verified list of official sources and a rota for "
                "monitoring rumours: newsrooms that prepare early respond faster. We gathered "
                "checklists from editors who covered recent votes. The common thread: correct "
                "quickly, without amplifying the original claim."
            ),
            author="Hannah Whitfield",
            tags=("elections", "misinformation"),
            days_ago=12,
            hours_ago=3,
        ),
        DemoItem(
            slug="designing-against-doomscrolling",
            title="Designing against doomscrolling",
            summary=(
                "Infinite scroll, autoplay and pull-to-refresh make stopping hard. Some apps now "
                "show a gentle 'you're all caught up' marker or let people cap their sessions. "
                "Early data suggests users appreciate the friction more than designers expected."
            ),
            author="Samuel Osei",
            tags=("design", "wellbeing"),
            days_ago=13,
            hours_ago=6,
        ),
        DemoItem(
            slug="ai-summaries-on-social",
            title="AI summaries on social platforms: helpful or hollowing?",
            summary=(
                "Automatic summaries of trending topics save time but can flatten nuance and "
                "occasionally get facts wrong. When they summarise news, they also reduce clicks "
                "to the original reporting. Labels and source links help, but only partly."
            ),
            author="Clara Lindqvist",
            tags=("ai", "news"),
            days_ago=14,
            hours_ago=1,
        ),
        DemoItem(
            slug="should-platforms-cap-virality",
            title="Should platforms cap virality?",
            summary=(
                "Limiting how many times a message can be forwarded has slowed rumours on "
                "messaging apps. Applying similar caps to public posts is more contested, since "
                "virality is also how important news spreads. A middle path: add friction only to "
                "content that has not been checked."
            ),
            author="Hannah Whitfield",
            tags=("misinformation", "design"),
            days_ago=15,
            hours_ago=4,
        ),
        DemoItem(
            slug="why-audiences-trust-news-creators",
            title="Why audiences trust news creators",
            summary=(
                "Surveys suggest people trust individual explainers because they are open about "
                "who they are and what they think. That trust is personal and fragile. Newsrooms "
                "working with such creators must handle disclosure and editorial standards with "
                "care."
            ),
            author="Samuel Osei",
            tags=("news", "creators"),
            days_ago=17,
            hours_ago=3,
        ),
        DemoItem(
            slug="feed-experiments-reproducibility",
            title="Feed experiments are hard to reproduce",
            summary=(
                "Studies of social feeds depend on platform cooperation and can rarely be repeated "
                "independently. Results from one year may not hold the next, after ranking "
                "changes. Researchers are calling for shared benchmarks and open simulation tools."
            ),
            author="Clara Lindqvist",
            tags=("research", "algorithms"),
            days_ago=18,
            hours_ago=6,
        ),
        DemoItem(
            slug="link-post-penalty",
            title="The great link-post penalty",
            summary=(
                "Posts that send readers elsewhere tend to travel less than posts that keep them "
                "on the platform. Publishers have responded with screenshots and long threads. The "
                "open web loses either way."
            ),
            author="Hannah Whitfield",
            tags=("news", "ranking"),
            days_ago=19,
            hours_ago=1,
        ),
        DemoItem(
            slug="give-users-the-dials",
            title="Give users the dials: the case for ranking controls",
            summary=(
                "Sliders for 'more from friends', 'less politics' or 'newest first' appear in "
                "prototypes but rarely ship. When they do, a minority uses them heavily and "
                "everyone else keeps the defaults. That minority is often the most engaged, and "
                "the most vocal."
            ),
            author="Samuel Osei",
            tags=("algorithms", "user control"),
            days_ago=21,
            hours_ago=4,
        ),
        DemoItem(
            slug="social-audio-second-life-news",
            title="Social audio finds a second life in news",
            summary=(
                "Live audio rooms faded as a general trend, but newsrooms still use them for "
                "election nights and Q&A sessions with reporters. The format rewards expertise and "
                "conversation over polish. Listeners stay longer than on video streams."
            ),
            author="Clara Lindqvist",
            tags=("social audio", "news"),
            days_ago=23,
            hours_ago=2,
        ),
        DemoItem(
            slug="do-source-labels-work",
            title="Do source labels change what people share?",
            summary=(
                "Labels describing who runs or funds an outlet have modest effects on sharing. "
                "They work best when shown before someone shares, not after. Overuse risks label "
                "fatigue."
            ),
            author="Hannah Whitfield",
            tags=("misinformation", "labels"),
            days_ago=25,
            hours_ago=5,
        ),
        DemoItem(
            slug="the-month-in-feeds",
            title="The month in feeds",
            summary=(
                "Custom feeds reach a wider audience, a study counts unanswered reports and "
                "newsrooms rethink their social strategy. Our monthly digest of what changed in "
                "the way timelines are built."
            ),
            author="Samuel Osei",
            tags=("roundup", "algorithms"),
            days_ago=28,
            hours_ago=3,
        ),
    ),
)


# --- The Creator Ledger (English, JSON Feed 1.1) --------------------------------------------

CREATOR_LEDGER = DemoFeed(
    slug="creator-ledger",
    title="The Creator Ledger",
    description=(
        "The business of independent creators: platforms, money, audio and video, and the "
        "communities that keep it all going."
    ),
    language="en",
    format="json",
    full_text=True,
    items=(
        WIRE_EN,
        DemoItem(
            slug="creators-launch-coop-platform",
            title="French-speaking creators launch a co-op subscription platform",
            summary=(
                "A collective of video makers, illustrators and podcasters has launched a "
                "subscription platform that its creators co-own. The commission is capped at 5% "
                "and the software is open source, with plans to federate with other services. A "
                "small but telling experiment in owning the platform rather than renting an "
                "audience."
            ),
            author="Jordan Blake",
            tags=("creator economy", "cooperatives"),
            days_ago=1,
            hours_ago=4,
        ),
        DemoItem(
            slug="platform-fees-compared",
            title="Platform fees compared: what creators actually keep",
            summary=(
                "Between platform commissions, payment processing and app store cuts, creators "
                "often keep less than the headline rate suggests. We compared the effective take "
                "on a typical monthly subscription across common models. Direct relationships with "
                "fans remain the most profitable, if the hardest to build."
            ),
            author="Aiko Tanaka",
            tags=("monetisation", "fees"),
            days_ago=2,
            hours_ago=5,
        ),
        DemoItem(
            slug="podcasts-become-video-shows",
            title="Podcasts are turning into video shows",
            summary=(
                "More audio shows now film their recordings and publish them on video platforms, "
                "where discovery is easier. Audio-only listeners remain loyal, but growth comes "
                "from video. Producers describe higher costs and a different editing rhythm."
            ),
            author="Felix Moreau",
            tags=("podcasts", "video"),
            days_ago=3,
            hours_ago=1,
        ),
        DemoItem(
            slug="sponsorship-disclosure-rules",
            title="Sponsorship disclosure: the rules are getting stricter",
            summary=(
                "Regulators in several countries now expect clear, upfront labels on paid content. "
                "A vague tag at the end of a caption no longer cuts it. A checklist for creators "
                "working with brands."
            ),
            author="Rosa Delgado",
            tags=("regulation", "sponsorship"),
            days_ago=4,
            hours_ago=3,
        ),
        DemoItem(
            slug="small-paid-communities",
            title="Small paid communities beat big free audiences",
            summary=(
                "Creators with a few hundred paying members often earn more, and burn out less, "
                "than those chasing millions of views. Members want access and conversation more "
                "than volume. Running the community becomes the job."
            ),
            author="Jordan Blake",
            tags=("communities", "monetisation"),
            days_ago=5,
            hours_ago=6,
        ),
        DemoItem(
            slug="newsletters-safety-net",
            title="Newsletters are the creator's safety net",
            summary=(
                "An email list belongs to the person who built it. After sudden ranking changes, "
                "many creators now treat their list as the foundation and social platforms as the "
                "shop window. The discipline: fewer, better issues."
            ),
            author="Aiko Tanaka",
            tags=("newsletters", "creator economy"),
            days_ago=6,
            hours_ago=1,
        ),
        DemoItem(
            slug="live-shopping-reality-check",
            title="Live shopping: hype versus reality",
            summary=(
                "Selling products during live streams is a huge business in some markets and a "
                "modest one elsewhere. Creators who succeed treat it as a show with a product, not "
                "an advert. Returns and customer service are the hidden workload."
            ),
            author="Felix Moreau",
            tags=("commerce", "live video"),
            days_ago=6,
            hours_ago=2,
        ),
        DemoItem(
            slug="live-audio-rooms-niche",
            title="Live audio rooms found their niche",
            summary=(
                "After the boom and bust of social audio, live rooms survive in book clubs, gaming "
                "groups and local associations. Hosts value the intimacy and the absence of "
                "pressure to look good on camera. Smaller, steadier and far less hyped."
            ),
            author="Rosa Delgado",
            tags=("social audio", "communities"),
            days_ago=7,
            hours_ago=2,
        ),
        DemoItem(
            slug="algorithm-anxiety",
            title="Algorithm anxiety and the creator middle class",
            summary=(
                "Mid-sized creators say unpredictable reach makes planning impossible. A single "
                "ranking change can halve their income overnight. Many now spread their work "
                "across platforms and keep at least one direct channel to their audience."
            ),
            author="Jordan Blake",
            tags=("algorithms", "creator economy"),
            days_ago=7,
            hours_ago=5,
        ),
        DemoItem(
            slug="creators-start-to-organise",
            title="Creators are starting to organise",
            summary=(
                "From guilds to informal collectives, creators are pooling their negotiating power "
                "with platforms and brands. Shared rate cards and contract templates are the first "
                "wins. Collective bargaining remains legally complicated for freelancers in many "
                "countries."
            ),
            author="Aiko Tanaka",
            tags=("labour", "creator economy"),
            days_ago=8,
            hours_ago=1,
        ),
        DemoItem(
            slug="voice-clones-and-consent",
            title="Voice clones and the creator's consent",
            summary=(
                "Tools that clone a voice from a few minutes of audio are cheap and widely "
                "available. Some creators license their voice for dubbing; others find it used "
                "without permission in scam adverts. Clear consent and takedown routes are still "
                "missing."
            ),
            author="Felix Moreau",
            tags=("ai", "rights"),
            days_ago=9,
            hours_ago=4,
        ),
        DemoItem(
            slug="scheduled-breaks",
            title="Scheduled breaks are becoming normal",
            summary=(
                "Creators increasingly announce planned pauses instead of posting through "
                "exhaustion. Many find their audience waits for them. Reach may dip for a while, "
                "but returning viewers make up for it."
            ),
            author="Rosa Delgado",
            tags=("wellbeing", "creator economy"),
            days_ago=10,
            hours_ago=3,
        ),
        DemoItem(
            slug="merch-without-a-warehouse",
            title="Merch without a warehouse",
            summary=(
                "Print-on-demand lets creators sell shirts and posters without holding stock. "
                "Margins are thin and quality varies. The merch that sells best tells an inside "
                "joke only the community understands."
            ),
            author="Jordan Blake",
            tags=("merch", "monetisation"),
            days_ago=10,
            hours_ago=6,
        ),
        DemoItem(
            slug="tipping-on-open-networks",
            title="Tipping on open networks",
            summary=(
                "Federated and decentralised networks have no built-in payments, so creators link "
                "out to tip jars and memberships. Several projects propose a standard way to "
                "signal that an account accepts support. Interoperable payments remain the missing "
                "layer."
            ),
            author="Aiko Tanaka",
            tags=("fediverse", "monetisation"),
            days_ago=11,
            hours_ago=2,
        ),
        DemoItem(
            slug="pricing-a-brand-deal",
            title="How creators price a brand deal",
            summary=(
                "Rates used to be set per thousand followers. Brands now look at engagement, "
                "audience fit and usage rights. Creators who negotiate usage separately often "
                "double the value of a deal."
            ),
            author="Felix Moreau",
            tags=("sponsorship", "pricing"),
            days_ago=12,
            hours_ago=5,
        ),
        DemoItem(
            slug="vertical-video-fatigue",
            title="Is vertical video fatigue setting in?",
            summary=(
                "Creators report that short clips are easy to watch and hard to remember. Some are "
                "returning to longer formats for loyal viewers while keeping clips for discovery. "
                "Audiences seem happy to do both."
            ),
            author="Rosa Delgado",
            tags=("video", "formats"),
            days_ago=13,
            hours_ago=3,
        ),
        DemoItem(
            slug="protecting-child-creators",
            title="Protecting child creators",
            summary=(
                "Family channels and young performers raise questions about consent, earnings and "
                "privacy. Some countries now require part of a child's earnings to be set aside "
                "until adulthood. Platforms are adding age checks before monetisation."
            ),
            author="Jordan Blake",
            tags=("children", "regulation"),
            days_ago=14,
            hours_ago=1,
        ),
        DemoItem(
            slug="beyond-vanity-metrics",
            title="Beyond vanity metrics",
            summary=(
                "Follower counts and view totals feel good but predict little about income. "
                "Returning viewers, saves and replies are better signals of a loyal audience. We "
                "outline a minimal dashboard for independent creators."
            ),
            author="Aiko Tanaka",
            tags=("analytics", "creator economy"),
            days_ago=16,
            hours_ago=4,
        ),
        DemoItem(
            slug="collaborations-growth",
            title="Collaborations: the oldest growth hack",
            summary=(
                "Guest appearances and joint projects still introduce creators to new audiences "
                "more reliably than any ranking trick. The best pairings combine complementary "
                "skills rather than similar audiences. Clear agreements on revenue and rights "
                "avoid awkward endings."
            ),
            author="Felix Moreau",
            tags=("growth", "collaboration"),
            days_ago=17,
            hours_ago=2,
        ),
        DemoItem(
            slug="moderating-live-chat",
            title="Moderating a live chat at scale",
            summary=(
                "Live chat moves too fast for one person. Creators rely on volunteer moderators, "
                "slow mode and keyword filters to keep streams welcoming. Paying a lead moderator "
                "is becoming common on larger channels."
            ),
            author="Rosa Delgado",
            tags=("moderation", "live video"),
            days_ago=19,
            hours_ago=5,
        ),
        DemoItem(
            slug="clipping-culture",
            title="Clipping culture and who gets paid",
            summary=(
                "Fans and agencies cut long streams into short clips that often travel further "
                "than the original. Some creators now pay clippers or share revenue with them. "
                "Others find their work reposted with no credit at all."
            ),
            author="Jordan Blake",
            tags=("video", "rights"),
            days_ago=21,
            hours_ago=1,
        ),
        DemoItem(
            slug="open-source-creator-tools",
            title="Open-source tools for independent creators",
            summary=(
                "From self-hosted video platforms to membership plugins, open-source tools let "
                "creators keep control of their work and data. Setup takes effort and hosting "
                "costs are real. For many, a hybrid approach works best."
            ),
            author="Aiko Tanaka",
            tags=("open source", "self-hosting"),
            days_ago=24,
            hours_ago=6,
        ),
        DemoItem(
            slug="creator-economy-this-month",
            title="The creator economy this month",
            summary=(
                "A co-op platform launch, stricter sponsorship rules and the slow shift of "
                "podcasts to video: our monthly digest for independent creators, with the numbers "
                "worth remembering."
            ),
            author="Felix Moreau",
            tags=("roundup", "creator economy"),
            days_ago=28,
            hours_ago=2,
        ),
    ),
)


DEMO_FEEDS: tuple[DemoFeed, ...] = (
    FIL_NUMERIQUE,
    AGORA_RESEAUX,
    CARNET_COMMUNAUTES,
    OPEN_SOCIAL_WEEKLY,
    TIMELINE_REVIEW,
    CREATOR_LEDGER,
)

FEEDS_BY_SLUG: dict[str, DemoFeed] = {feed.slug: feed for feed in DEMO_FEEDS}

# The same story published word for word by two publications (feed slug, item slug).
SYNDICATED_STORIES: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("open-social-weekly", WIRE_EN.slug), ("creator-ledger", WIRE_EN.slug)),
    (("fil-numerique", WIRE_FR.slug), ("agora-reseaux", WIRE_FR.slug)),
)

# The same story told by two publications in their own words (feed slug, item slug).
DUPLICATE_STORIES: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (
        ("fil-numerique", "pacte-de-nantes-moderation"),
        ("open-social-weekly", "nantes-covenant-moderation"),
    ),
    (
        ("agora-reseaux", "etude-signalements-sans-reponse"),
        ("timeline-review", "half-of-reports-unanswered"),
    ),
    (
        ("open-social-weekly", "custom-feeds-survey"),
        ("timeline-review", "custom-feeds-go-mainstream"),
    ),
    (
        ("carnet-communautes", "guilde-createurs-cooperative"),
        ("creator-ledger", "creators-launch-coop-platform"),
    ),
    (
        ("carnet-communautes", "lettre-information-createurs"),
        ("creator-ledger", "newsletters-safety-net"),
    ),
    (
        ("fil-numerique", "salons-audio-essoufflement"),
        ("creator-ledger", "live-audio-rooms-niche"),
    ),
    (
        ("agora-reseaux", "acces-des-chercheurs-aux-donnees"),
        ("timeline-review", "researchers-get-platform-data"),
    ),
)


DEMO_TOPIC = DemoTopic(
    title="Social networks / Réseaux sociaux",
    slug="social-networks",
    description=(
        "Where social media is heading: open networks, moderation, regulation and the creator "
        "economy. / Où vont les réseaux sociaux : réseaux ouverts, modération, régulation et "
        "économie des créateurs."
    ),
    languages=("fr", "en"),
    keywords=(
        "réseaux sociaux",
        "social media",
        "social networks",
        "fédivers",
        "fediverse",
        "mastodon",
        "activitypub",
        "bluesky",
        "at protocol",
        "protocole AT",
        "modération",
        "moderation",
        "DSA",
        "régulation",
        "regulation",
        "vie privée",
        "privacy",
        "algorithmes",
        "algorithms",
        "économie des créateurs",
        "creator economy",
        "communautés",
        "communities",
    ),
)


DEMO_SCOOPS: tuple[DemoScoop, ...] = (
    DemoScoop(
        feed_slug="fil-numerique",
        item_slug="pacte-de-nantes-moderation",
        insight=(
            "Un texte **non contraignant**, mais c'est exactement ce qui manquait aux petites "
            "instances : des délais de réponse et un format commun pour les listes de blocage. "
            "À suivre de près : combien d'instances l'appliqueront *vraiment* dans six mois ?"
        ),
        tags=("fédivers", "modération"),
        language="fr",
    ),
    DemoScoop(
        feed_slug="open-social-weekly",
        item_slug="labelers-composable-moderation",
        insight=(
            "Composable moderation is the most original idea in the AT Protocol, and this piece "
            "explains it without cheerleading. The open question is accountability: when a label "
            "is wrong, *who* fixes it, and how fast?"
        ),
        tags=("moderation", "bluesky"),
        language="en",
    ),
    DemoScoop(
        feed_slug="agora-reseaux",
        item_slug="contester-decision-moderation",
        insight=(
            "Un mode d'emploi clair, à garder sous le coude. Beaucoup d'utilisateurs ignorent "
            "qu'ils ont droit à une **explication** et à un **recours** quand un contenu est "
            "retiré. À partager avec vos communautés."
        ),
        tags=("DSA", "droits"),
        language="fr",
    ),
    DemoScoop(
        feed_slug="timeline-review",
        item_slug="chronological-is-not-neutral",
        insight=(
            'A useful corrective to the "just give us chronological" debate. Time order is '
            "transparent, not neutral: it rewards volume. The real win is letting people "
            "*choose* their ranking, as custom feeds already do."
        ),
        tags=("algorithms", "feeds"),
        language="en",
    ),
    DemoScoop(
        feed_slug="creator-ledger",
        item_slug="creators-launch-coop-platform",
        insight=(
            "Une coopérative de créateurs avec une commission plafonnée à 5 % et du logiciel "
            "libre : l'expérience mérite d'être suivie. Si elle se fédère vraiment, elle pourrait "
            "montrer qu'on peut **posséder** sa plateforme plutôt que louer son audience."
        ),
        tags=("économie des créateurs", "fédivers"),
        language="fr",
    ),
    DemoScoop(
        feed_slug="carnet-communautes",
        item_slug="rediger-une-charte",
        insight=(
            "La règle d'or : une page, des exemples, des conséquences claires. J'ajouterais un "
            "point : **relire la charte avec les membres** une fois par an. Une charte vivante "
            "se respecte mieux qu'un règlement figé."
        ),
        tags=("animation", "modération", "communautés"),
        language="fr",
    ),
)
