//! What demo personas say and where they live: languages with their names, cities and everyday
//! phrases, and niches with the words that name them, their captions, bios, hashtags and the
//! questions followers ask. Every text exists in every language, so a persona's bio, captions,
//! hashtags, comments and city always agree.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    En,
    De,
    Es,
    Fr,
    Pt,
    It,
}

impl Lang {
    pub const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Es, Lang::Fr, Lang::Pt, Lang::It];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Pt => "pt",
            Lang::It => "it",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    pub fn first_names(self) -> &'static [&'static str] {
        [
            &[
                "Olivia", "Jack", "Harry", "Amelia", "Grace", "Oliver", "Ella", "James", "Ruby",
                "Ethan",
            ][..],
            &[
                "Mia", "Leon", "Lina", "Jonas", "Hannah", "Felix", "Lena", "Paul", "Marie", "Finn",
            ],
            &[
                "Sofía",
                "Mateo",
                "Lucía",
                "Martina",
                "Alejandro",
                "Carmen",
                "Pablo",
                "Valeria",
                "Diego",
                "Elena",
            ],
            &[
                "Chloé", "Hugo", "Léa", "Louis", "Camille", "Jules", "Manon", "Arthur", "Inès",
                "Théo",
            ],
            &[
                "Ana", "Lucas", "Beatriz", "João", "Mariana", "Tiago", "Gabriela", "Rafael",
                "Larissa", "Pedro",
            ],
            &[
                "Giulia",
                "Luca",
                "Francesca",
                "Marco",
                "Chiara",
                "Matteo",
                "Alessia",
                "Lorenzo",
                "Sara",
                "Davide",
            ],
        ][self.index()]
    }

    pub fn last_names(self) -> &'static [&'static str] {
        [
            &[
                "Walker", "Bennett", "Hughes", "Carter", "Mitchell", "Parker", "Turner", "Collins",
            ][..],
            &[
                "Weber", "Becker", "Schmidt", "Hoffmann", "Wagner", "Krüger", "Neumann", "Fischer",
            ],
            &[
                "García", "López", "Martín", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz",
            ],
            &[
                "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Fontaine", "Bernard", "Roux",
            ],
            &[
                "Silva", "Costa", "Oliveira", "Santos", "Ferreira", "Almeida", "Carvalho", "Rocha",
            ],
            &[
                "Rossi", "Ricci", "Bianchi", "Romano", "Colombo", "Greco", "Conti", "Marino",
            ],
        ][self.index()]
    }

    pub fn cities(self) -> &'static [&'static str] {
        [
            &[
                "London",
                "Manchester",
                "New York",
                "Sydney",
                "Toronto",
                "Dublin",
            ][..],
            &["Berlin", "Hamburg", "München", "Wien", "Köln", "Zürich"],
            &[
                "Madrid",
                "Barcelona",
                "Sevilla",
                "Valencia",
                "Ciudad de México",
                "Buenos Aires",
            ],
            &[
                "Paris",
                "Lyon",
                "Marseille",
                "Bordeaux",
                "Montréal",
                "Bruxelles",
            ],
            &[
                "Lisboa",
                "Porto",
                "São Paulo",
                "Rio de Janeiro",
                "Florianópolis",
            ],
            &["Milano", "Roma", "Napoli", "Firenze", "Torino", "Bologna"],
        ][self.index()]
    }

    /// Words in a username that point to this language (cities count through [`Lang::cities`]).
    pub fn hint_words(self) -> &'static [&'static str] {
        [
            &["london", "nyc", "uk", "english"][..],
            &[
                "reise", "reisen", "kueche", "deutsch", "munich", "muenchen", "vienna",
            ],
            &["viaje", "viajes", "cocina", "espana", "mexico", "madrid"],
            &["voyage", "cuisine", "france", "paris"],
            &["viagem", "cozinha", "brasil", "lisbon", "rio", "saopaulo"],
            &["viaggi", "viaggio", "cucina", "italia", "rome", "milan"],
        ][self.index()]
    }

    /// "Collaborations by direct message", the last line of a bio.
    pub fn collab(self) -> &'static str {
        [
            "Collabs: DM",
            "Kooperationen per DM",
            "Colaboraciones por DM",
            "Collabs en DM",
            "Parcerias por DM",
            "Collaborazioni in DM",
        ][self.index()]
    }

    /// How captions end.
    pub fn calls_to_action(self) -> &'static [&'static str] {
        [
            &[
                "Save this for later",
                "What would you add?",
                "Tell me in the comments",
                "Tag someone who needs this",
            ][..],
            &[
                "Speichert euch das",
                "Was würdet ihr ergänzen?",
                "Schreibt es in die Kommentare",
                "Markiert jemanden, der das braucht",
            ],
            &[
                "Guárdalo para después",
                "¿Qué añadirías?",
                "Cuéntame en los comentarios",
                "Etiqueta a alguien que lo necesite",
            ],
            &[
                "Enregistre-le pour plus tard",
                "Tu ajouterais quoi ?",
                "Dis-moi en commentaire",
                "Identifie quelqu'un qui en a besoin",
            ],
            &[
                "Salva para depois",
                "O que acrescentarias?",
                "Conta nos comentários",
                "Marca alguém que precisa disto",
            ],
            &[
                "Salvalo per dopo",
                "Cosa aggiungeresti?",
                "Dimmelo nei commenti",
                "Tagga qualcuno che ne ha bisogno",
            ],
        ][self.index()]
    }

    /// Comments anyone could leave, with their sentiment.
    pub fn comments(self) -> &'static [(&'static str, Sentiment)] {
        use Sentiment::*;
        [
            &[
                ("Love this! 😍", Positive),
                ("So inspiring, thank you", Positive),
                ("Not my favourite, honestly", Negative),
                ("Amazing 🔥", Positive),
                ("Too many ads lately…", Negative),
                ("Saved for later", Positive),
                ("How long did this take?", Neutral),
            ][..],
            &[
                ("Wunderschön! 😍", Positive),
                ("Mega Inspiration, danke!", Positive),
                ("Gefällt mir nicht so sehr", Negative),
                ("Toller Beitrag 🔥", Positive),
                ("Schon wieder Werbung…", Negative),
                ("Wie lange hat das gedauert?", Neutral),
            ],
            &[
                ("¡Precioso! 😍", Positive),
                ("Qué inspiración, gracias", Positive),
                ("No me convence", Negative),
                ("¡Increíble! 🔥", Positive),
                ("Otra vez publicidad…", Negative),
                ("¿Cuánto tiempo te llevó?", Neutral),
            ],
            &[
                ("Magnifique ! 😍", Positive),
                ("Trop inspirant, merci", Positive),
                ("Pas convaincu", Negative),
                ("Génial 🔥", Positive),
                ("Encore de la pub…", Negative),
                ("Ça t'a pris combien de temps ?", Neutral),
            ],
            &[
                ("Lindo! 😍", Positive),
                ("Que inspiração, obrigado", Positive),
                ("Não gostei muito", Negative),
                ("Incrível 🔥", Positive),
                ("Mais propaganda…", Negative),
                ("Quanto tempo demorou?", Neutral),
            ],
            &[
                ("Bellissimo! 😍", Positive),
                ("Che ispirazione, grazie", Positive),
                ("Non mi convince", Negative),
                ("Fantastico 🔥", Positive),
                ("Ancora pubblicità…", Negative),
                ("Quanto tempo ci hai messo?", Neutral),
            ],
        ][self.index()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Niche {
    Travel,
    Fitness,
    Food,
    Fashion,
    Beauty,
    Tech,
}

impl Niche {
    pub const ALL: [Niche; 6] = [
        Niche::Travel,
        Niche::Fitness,
        Niche::Food,
        Niche::Fashion,
        Niche::Beauty,
        Niche::Tech,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["travel", "fitness", "food", "fashion", "beauty", "tech"][self.index()]
    }

    /// Words in a username that name this niche (`demo.kitchen.sofia` is food).
    pub fn keywords(self) -> &'static [&'static str] {
        [
            &[
                "travel", "trip", "wander", "voyage", "journey", "explore", "nomad", "backpack",
                "roam", "reise", "viaje", "viagem", "viaggi", "globe", "passport",
            ][..],
            &[
                "fit", "gym", "workout", "run", "yoga", "lift", "sport", "train", "athlete",
                "muscle", "cardio", "pilates",
            ],
            &[
                "food",
                "kitchen",
                "cook",
                "chef",
                "eats",
                "bake",
                "recipe",
                "vegan",
                "plantbased",
                "cucina",
                "cocina",
                "kueche",
                "cozinha",
                "cuisine",
                "brunch",
                "coffee",
                "pasta",
            ],
            &[
                "fashion", "style", "outfit", "ootd", "wear", "closet", "wardrobe", "mode", "moda",
                "thrift", "vintage",
            ],
            &[
                "beauty", "makeup", "skin", "glow", "nails", "hair", "lash", "cosmetic", "serum",
            ],
            &[
                "tech", "gadget", "code", "coding", "dev", "setup", "desk", "pixel", "geek",
                "robot", "ai", "digital", "hardware",
            ],
        ][self.index()]
    }

    /// How clearly a username's word names this niche: 3 for a keyword itself, 2 for a word
    /// starting or ending with one (`gymrat`, `homegym`), 1 for a word containing a longer one
    /// (`myplantbasedlife`), 0 for none. The clearest word of a username decides.
    pub fn named_by(self, word: &str) -> u8 {
        self.keywords()
            .iter()
            .map(|k| {
                if word == *k {
                    3
                } else if k.len() >= 3 && (word.starts_with(k) || word.ends_with(k)) {
                    2
                } else if k.len() >= 5 && word.contains(k) {
                    1
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0)
    }

    pub fn emoji(self) -> &'static str {
        ["🌍", "💪", "🍋", "🧥", "✨", "💻"][self.index()]
    }

    /// The first line of a bio.
    pub fn tagline(self, lang: Lang) -> &'static str {
        let lines: [[&str; 6]; 6] = [
            [
                "Slow travel & hidden gems",
                "Slow Travel & versteckte Orte",
                "Viajes lentos y rincones escondidos",
                "Voyages lents & pépites cachées",
                "Viagens sem pressa e cantinhos escondidos",
                "Viaggi lenti e angoli nascosti",
            ],
            [
                "Home workouts & honest progress",
                "Workouts für zuhause & ehrlicher Fortschritt",
                "Entrenos en casa y progreso real",
                "Sport à la maison & vrais progrès",
                "Treinos em casa e progresso real",
                "Allenamenti a casa e progressi veri",
            ],
            [
                "Easy recipes for busy weeks",
                "Einfache Rezepte für volle Wochen",
                "Recetas fáciles para semanas ocupadas",
                "Recettes faciles pour semaines chargées",
                "Receitas fáceis para semanas corridas",
                "Ricette facili per settimane piene",
            ],
            [
                "Everyday outfits, mostly secondhand",
                "Alltagsoutfits, meist secondhand",
                "Looks del día a día, casi todo de segunda mano",
                "Tenues du quotidien, surtout de seconde main",
                "Looks do dia a dia, quase tudo de brechó",
                "Outfit di tutti i giorni, quasi tutto vintage",
            ],
            [
                "Skincare that works, makeup that lasts",
                "Hautpflege, die wirkt – Make-up, das hält",
                "Skincare que funciona, maquillaje que dura",
                "Des soins qui marchent, un maquillage qui tient",
                "Skincare que funciona, maquiagem que dura",
                "Skincare che funziona, trucco che dura",
            ],
            [
                "Desk setups, gadgets & productivity",
                "Desk-Setups, Gadgets & Produktivität",
                "Setups, gadgets y productividad",
                "Setups, gadgets & productivité",
                "Setups, gadgets e produtividade",
                "Postazioni, gadget e produttività",
            ],
        ];
        lines[self.index()][lang.index()]
    }

    /// What a post of this niche says, in a language.
    pub fn captions(self, lang: Lang) -> &'static [&'static str; 4] {
        &CAPTIONS[self.index()][lang.index()]
    }

    /// Hashtags of the niche every language uses (Instagram's are mostly English).
    pub fn hashtags(self) -> &'static [&'static str] {
        [
            &[
                "travel",
                "wanderlust",
                "travelgram",
                "slowtravel",
                "explore",
                "travelphotography",
            ][..],
            &[
                "fitness",
                "workout",
                "homeworkout",
                "fitnessmotivation",
                "strength",
                "healthylifestyle",
            ],
            &[
                "foodie",
                "recipe",
                "homecooking",
                "easyrecipes",
                "foodphotography",
                "vegetarian",
            ],
            &[
                "ootd",
                "style",
                "secondhand",
                "outfitinspo",
                "slowfashion",
                "streetstyle",
            ],
            &[
                "skincare",
                "makeup",
                "skincareroutine",
                "glowingskin",
                "beautytips",
                "selfcare",
            ],
            &[
                "desksetup",
                "tech",
                "productivity",
                "gadgets",
                "workspace",
                "techreview",
            ],
        ][self.index()]
    }

    /// Hashtags of the niche in the persona's own language.
    pub fn local_hashtags(self, lang: Lang) -> [&'static str; 2] {
        let tags: [[[&str; 2]; 6]; 6] = [
            [
                ["traveltips", "weekendaway"],
                ["reisen", "fernweh"],
                ["viajes", "viajar"],
                ["voyage", "voyager"],
                ["viagem", "viajar"],
                ["viaggio", "viaggiare"],
            ],
            [
                ["gymlife", "legday"],
                ["training", "sport"],
                ["entrenamiento", "gimnasio"],
                ["sport", "musculation"],
                ["treino", "academia"],
                ["allenamento", "palestra"],
            ],
            [
                ["dinnerideas", "mealprep"],
                ["rezepte", "kochen"],
                ["recetas", "cocina"],
                ["recette", "cuisine"],
                ["receitas", "comidacaseira"],
                ["ricette", "cucinaitaliana"],
            ],
            [
                ["whatiwore", "capsulewardrobe"],
                ["mode", "outfitdestages"],
                ["moda", "lookdeldia"],
                ["mode", "tenuedujour"],
                ["moda", "lookdodia"],
                ["moda", "outfitdelgiorno"],
            ],
            [
                ["skincaretips", "makeuplook"],
                ["hautpflege", "schminken"],
                ["cuidadodelapiel", "maquillaje"],
                ["soinvisage", "maquillage"],
                ["cuidadoscomapele", "maquiagem"],
                ["curadellapelle", "trucco"],
            ],
            [
                ["setupinspiration", "wfh"],
                ["technik", "homeoffice"],
                ["tecnologia", "productividad"],
                ["technologie", "productivite"],
                ["tecnologia", "produtividade"],
                ["tecnologia", "produttivita"],
            ],
        ];
        tags[self.index()][lang.index()]
    }

    /// The question followers of this niche ask (a neutral comment).
    pub fn question(self, lang: Lang) -> &'static str {
        let questions: [[&str; 6]; 6] = [
            [
                "Where is this?",
                "Wo ist das?",
                "¿Dónde es esto?",
                "C'est où ?",
                "Onde é isso?",
                "Dove si trova?",
            ],
            [
                "How many rounds do you do?",
                "Wie viele Runden machst du?",
                "¿Cuántas rondas haces?",
                "Tu fais combien de tours ?",
                "Quantas séries você faz?",
                "Quante serie fai?",
            ],
            [
                "Recipe please!",
                "Rezept bitte!",
                "¡Receta, por favor!",
                "La recette, s'il te plaît !",
                "Receita, por favor!",
                "Ricetta, per favore!",
            ],
            [
                "Where is the jacket from?",
                "Woher ist die Jacke?",
                "¿De dónde es la chaqueta?",
                "Elle vient d'où, la veste ?",
                "De onde é a jaqueta?",
                "Di dov'è la giacca?",
            ],
            [
                "Which serum is this?",
                "Welches Serum ist das?",
                "¿Qué sérum es?",
                "C'est quel sérum ?",
                "Qual é esse sérum?",
                "Che siero è?",
            ],
            [
                "Which keyboard is that?",
                "Welche Tastatur ist das?",
                "¿Qué teclado es?",
                "C'est quel clavier ?",
                "Qual é esse teclado?",
                "Che tastiera è?",
            ],
        ];
        questions[self.index()][lang.index()]
    }

    /// Of 100 likes, how many people also save a post of this niche (recipes and setups are
    /// saved to come back to; outfits less).
    pub fn saves_per_like(self) -> f64 {
        [0.05, 0.06, 0.09, 0.035, 0.05, 0.07][self.index()]
    }
}

/// Captions by niche, then language (the order of [`Lang::ALL`]).
const CAPTIONS: [[[&str; 4]; 6]; 6] = [
    [
        [
            "Golden hour over the old town never gets old",
            "Found this little spot far from the crowds",
            "Three days, one backpack, zero regrets",
            "Slow mornings and a view like this",
        ],
        [
            "Goldene Stunde über der Altstadt – davon bekomme ich nie genug",
            "Diesen kleinen Ort abseits der Massen gefunden",
            "Drei Tage, ein Rucksack, null Reue",
            "Langsame Morgen und so ein Ausblick",
        ],
        [
            "La hora dorada sobre el casco antiguo nunca cansa",
            "Encontré este rincón lejos de las multitudes",
            "Tres días, una mochila y cero arrepentimientos",
            "Mañanas lentas y unas vistas así",
        ],
        [
            "L'heure dorée sur la vieille ville, je ne m'en lasse pas",
            "Trouvé ce petit coin loin de la foule",
            "Trois jours, un sac à dos, zéro regret",
            "Des matins tranquilles et une vue comme ça",
        ],
        [
            "A hora dourada sobre a cidade velha nunca cansa",
            "Encontrei este cantinho longe das multidões",
            "Três dias, uma mochila e zero arrependimentos",
            "Manhãs calmas e uma vista assim",
        ],
        [
            "L'ora d'oro sul centro storico non stanca mai",
            "Ho trovato questo angolo lontano dalla folla",
            "Tre giorni, uno zaino, zero rimpianti",
            "Mattine lente e una vista così",
        ],
    ],
    [
        [
            "Leg day done — who else trained this morning?",
            "Consistency beats motivation, every single time",
            "My 20-minute full-body routine",
            "Small progress is still progress",
        ],
        [
            "Leg Day erledigt – wer hat heute Morgen auch trainiert?",
            "Konstanz schlägt Motivation, jedes Mal",
            "Mein 20-Minuten-Ganzkörpertraining",
            "Kleine Fortschritte sind auch Fortschritte",
        ],
        [
            "Día de pierna hecho, ¿quién más entrenó esta mañana?",
            "La constancia gana a la motivación, siempre",
            "Mi rutina de cuerpo completo en 20 minutos",
            "Un pequeño progreso sigue siendo progreso",
        ],
        [
            "Séance jambes terminée, qui s'est entraîné ce matin ?",
            "La régularité bat la motivation, à chaque fois",
            "Ma routine full body de 20 minutes",
            "Un petit progrès reste un progrès",
        ],
        [
            "Treino de pernas feito, quem mais treinou hoje cedo?",
            "Constância vence motivação, sempre",
            "O meu treino de corpo inteiro em 20 minutos",
            "Pequeno progresso ainda é progresso",
        ],
        [
            "Allenamento gambe fatto, chi altro si è allenato stamattina?",
            "La costanza batte la motivazione, sempre",
            "La mia routine total body da 20 minuti",
            "Anche un piccolo progresso è un progresso",
        ],
    ],
    [
        [
            "One-pan lemon pasta, ready in 15 minutes",
            "Sunday brunch at home, recipe below",
            "The crispiest roasted vegetables you will ever make",
            "Fresh bread out of the oven, the kitchen smells amazing",
        ],
        [
            "Zitronenpasta aus einer Pfanne, fertig in 15 Minuten",
            "Sonntagsbrunch zu Hause, Rezept unten",
            "Das knusprigste Ofengemüse, das ihr je machen werdet",
            "Frisches Brot aus dem Ofen, die ganze Küche duftet",
        ],
        [
            "Pasta al limón en una sola sartén, lista en 15 minutos",
            "Brunch de domingo en casa, receta abajo",
            "Las verduras asadas más crujientes que harás",
            "Pan recién salido del horno, la cocina huele de maravilla",
        ],
        [
            "Pâtes au citron en une poêle, prêtes en 15 minutes",
            "Brunch du dimanche à la maison, recette plus bas",
            "Les légumes rôtis les plus croustillants du monde",
            "Du pain tout juste sorti du four, la cuisine sent si bon",
        ],
        [
            "Massa de limão numa panela só, pronta em 15 minutos",
            "Brunch de domingo em casa, receita abaixo",
            "Os legumes assados mais crocantes que vais fazer",
            "Pão fresquinho a sair do forno, a cozinha cheira tão bem",
        ],
        [
            "Pasta al limone in una sola padella, pronta in 15 minuti",
            "Brunch della domenica a casa, ricetta qui sotto",
            "Le verdure al forno più croccanti di sempre",
            "Pane appena sfornato, la cucina profuma di buono",
        ],
    ],
    [
        [
            "Three ways to wear one linen shirt",
            "Thrifted this blazer for almost nothing",
            "Neutral tones for a slow autumn week",
            "Outfit details: everything is linked in my stories",
        ],
        [
            "Drei Looks mit einem Leinenhemd",
            "Diesen Blazer fast umsonst im Secondhand gefunden",
            "Neutrale Töne für eine ruhige Herbstwoche",
            "Outfit-Details: alles in meiner Story verlinkt",
        ],
        [
            "Tres formas de llevar una camisa de lino",
            "Encontré esta americana de segunda mano casi regalada",
            "Tonos neutros para una semana tranquila de otoño",
            "Detalles del look: todo enlazado en mis historias",
        ],
        [
            "Trois façons de porter une chemise en lin",
            "Ce blazer chiné pour presque rien",
            "Des tons neutres pour une semaine d'automne tranquille",
            "Détails de la tenue : tout est en lien dans mes stories",
        ],
        [
            "Três formas de usar uma camisa de linho",
            "Achei este blazer em brechó quase de graça",
            "Tons neutros para uma semana calma de outono",
            "Detalhes do look: tudo linkado nos stories",
        ],
        [
            "Tre modi per indossare una camicia di lino",
            "Questo blazer vintage l'ho pagato quasi niente",
            "Toni neutri per una settimana d'autunno tranquilla",
            "Dettagli del look: tutto linkato nelle storie",
        ],
    ],
    [
        [
            "My five-step evening skincare routine",
            "Glowy makeup in under ten minutes",
            "The serum I keep coming back to",
            "No-filter skin day, just sunscreen and water",
        ],
        [
            "Meine Abendroutine für die Haut in fünf Schritten",
            "Glow-Make-up in unter zehn Minuten",
            "Das Serum, zu dem ich immer zurückkomme",
            "Haut ohne Filter: nur Sonnenschutz und Wasser",
        ],
        [
            "Mi rutina de noche para la piel en cinco pasos",
            "Maquillaje luminoso en menos de diez minutos",
            "El sérum al que siempre vuelvo",
            "Piel sin filtro: solo protector solar y agua",
        ],
        [
            "Ma routine soin du soir en cinq étapes",
            "Un maquillage lumineux en moins de dix minutes",
            "Le sérum que je rachète sans cesse",
            "Peau sans filtre : juste de la crème solaire et de l'eau",
        ],
        [
            "A minha rotina de skincare da noite em cinco passos",
            "Maquiagem iluminada em menos de dez minutos",
            "O sérum ao qual eu sempre volto",
            "Pele sem filtro: só protetor solar e água",
        ],
        [
            "La mia skincare serale in cinque passaggi",
            "Trucco luminoso in meno di dieci minuti",
            "Il siero a cui torno sempre",
            "Pelle senza filtri: solo crema solare e acqua",
        ],
    ],
    [
        [
            "My desk setup for deep work, version 4",
            "Five apps that actually save me time",
            "First impressions after one week with this keyboard",
            "Cable management finally done",
        ],
        [
            "Mein Schreibtisch-Setup für konzentriertes Arbeiten, Version 4",
            "Fünf Apps, die mir wirklich Zeit sparen",
            "Erster Eindruck nach einer Woche mit dieser Tastatur",
            "Kabelmanagement endlich erledigt",
        ],
        [
            "Mi setup de escritorio para concentrarme, versión 4",
            "Cinco apps que de verdad me ahorran tiempo",
            "Primeras impresiones tras una semana con este teclado",
            "Por fin terminé de ordenar los cables",
        ],
        [
            "Mon setup de bureau pour travailler concentré, version 4",
            "Cinq applis qui me font vraiment gagner du temps",
            "Premières impressions après une semaine avec ce clavier",
            "La gestion des câbles enfin terminée",
        ],
        [
            "O meu setup de secretária para foco total, versão 4",
            "Cinco apps que realmente me poupam tempo",
            "Primeiras impressões depois de uma semana com este teclado",
            "Organização dos cabos finalmente feita",
        ],
        [
            "La mia postazione per lavorare concentrato, versione 4",
            "Cinque app che mi fanno davvero risparmiare tempo",
            "Prime impressioni dopo una settimana con questa tastiera",
            "Finalmente ho sistemato i cavi",
        ],
    ],
];

/// A name or word without accents, in lower case: how it can appear in a username.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = c.to_lowercase().next().unwrap_or(c);
            Some(match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                ' ' | '-' | '\'' => return None,
                other => other,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_names_tell_one_language() {
        for a in Lang::ALL {
            for name in a.first_names() {
                let owners: Vec<Lang> = Lang::ALL
                    .into_iter()
                    .filter(|l| l.first_names().iter().any(|n| fold(n) == fold(name)))
                    .collect();
                assert_eq!(owners, [a], "{name}");
            }
        }
    }

    #[test]
    fn niche_words_are_recognised() {
        let niche_of = |w: &str| Niche::ALL.into_iter().find(|n| n.named_by(w) > 0);
        assert_eq!(niche_of("travel"), Some(Niche::Travel));
        assert_eq!(niche_of("wanderlust"), Some(Niche::Travel));
        assert_eq!(niche_of("gymrat"), Some(Niche::Fitness));
        assert_eq!(niche_of("fit"), Some(Niche::Fitness));
        assert_eq!(niche_of("homegym"), Some(Niche::Fitness));
        assert_eq!(niche_of("kitchen"), Some(Niche::Food));
        assert_eq!(niche_of("plantbased"), Some(Niche::Food));
        assert_eq!(niche_of("bakes"), Some(Niche::Food));
        assert_eq!(niche_of("style"), Some(Niche::Fashion));
        assert_eq!(niche_of("skincare"), Some(Niche::Beauty));
        assert_eq!(niche_of("tech"), Some(Niche::Tech));
        assert_eq!(niche_of("mia"), None);
        assert_eq!(niche_of("co"), None);
        assert_eq!(fold("Chloé"), "chloe");
        assert_eq!(fold("São Paulo"), "saopaulo");
    }
}
