"""The built-in taxonomy: topics (ids are a contract); the word classes (@country, @meet) that
terms can use are in `bot.classify.word_classes`.

Term syntax is documented in `bot.classify.terms`. Weights: 1 = a weak clue, 2 = a strong clue,
3 = decisive; the default threshold is 3, the title counts double, so one strong term in the
body alone does not tag a release but one in the title does.

The word lists are written for the genre (a customs service's press releases), not for the
development set: general vocabulary, morphology by stems and prefixes, no names of people,
places or events from the examples.
"""

from __future__ import annotations

from bot.models import Topic

# ---- topics ------------------------------------------------------------------------------

_WCO = Topic(
    id="wco",
    name="World Customs Organization",
    description=(
        "The World Customs Organization (Customs Co-operation Council): its Policy Commission, "
        "Council sessions, regional offices (ROCB) and programmes."
    ),
    terms={
        "*": ["WCO^2", "ROCB^2"],
        "en": [
            "World Customs Organization^2.5", "Customs Co-operation Council^2.5",
            "Customs Cooperation Council^2.5", "Policy Commission^2",
            "Regional Office for Capacity Building^2", "Council sessions^1",
            "Secretary General & WCO^1", "Harmonized System^1", "SAFE Framework^1",
            "Revised Kyoto Convention^1",
        ],
        "az": [
            "Ümumdünya Gömrük Təşkilat*^2.5", "Dünya Gömrük Təşkilat*^2.5", "ÜGT^2", "DGT^2",
            "Gömrük Əməkdaşlığı Şura*^2.5", "Siyasət Komissiya*^2",
            "Potensialın Gücləndirilməsi Regional Ofis*^2", "Şuranın sessiya*^1",
            "Harmonikləşdirilmiş Sistem*^1",
        ],
        "ru": [
            "Всемирн* таможенн* организаци*^2.5", "ВТамО^2",
            "Совет* таможенн* сотрудничеств*^2.5", "Комисси* по политике^2",
            "Региональн* офис* по наращивани* потенциал*^2", "сесси* Совет*^1",
            "Гармонизированн* систем*^1",
        ],
    },
)

_BILATERAL = Topic(
    id="bilateral",
    name="Bilateral cooperation",
    description=(
        "A meeting, visit, talks or an agreement with the officials of one other country "
        "(not multilateral meetings, not the WCO)."
    ),
    terms={
        "en": [
            "bilateral^2",
            "@meet & @country^1.5", "agreement | protocol & @country^1",
            "Azerbaijan* and @country^2", "@country and Azerbaijan*^2",
            "Azerbaijani @country^2", "@country and @country customs^1.5",
            "@country customs^1.5", "@country side^1.5", "@country delegation^1.5",
            "@country ambassador^1.5", "ambassador of @country^1.5",
            "two countries^1", "both countries^1", "the two sides^1", "both sides^1",
            "the sides^1", "the parties^1", "two customs services^1", "both services^1",
            "two administrations^1", "both administrations^1",
            # not bilateral: lists of countries, borders, multilateral bodies
            "@country @country^-1", "@country and @country^-1",
            "Azerbaijan* @country border^-1", "@country border^-0.5",
            "both sides of the border^-1", "the border with @country^-0.5",
            "member states^-1.5", "member countries^-1.5", "participating countries^-1",
            "several countries^-1", "countries of the region^-1", "Turkic States^-2",
            "CIS^-1.5", "Commonwealth of Independent States^-1.5", "multilateral^-1.5",
            "heads of customs administrations^-1", "European Union^-1", "trilateral^-2",
            "free trade agreement^-1",
            # the WCO's own talks with one country's officials are not bilateral
            "Secretary General & WCO | World Customs Organization^-1.5",
        ],
        "az": [
            "ikitərəfli^2",
            "@meet & @country^1.5", "saziş* | protokol* & @country^1",
            "Azərbaycan* və @country^2", "@country və Azərbaycan*^2",
            "Azərbaycan* @country^1", "@country gömrük*^1.5", "@country tərəf*^1.5",
            "@country nümayəndə heyət*^1.5", "@country səfir*^1.5",
            "iki ölkə^1", "hər iki ölkə^1", "tərəflər^1", "iki gömrük xidmət*^1",
            "@country @country^-1", "@country və @country^-1", "@country sərhəd*^-0.5",
            "üzv dövlət*^-1.5", "üzv ölkə*^-1.5", "bir sıra ölkə*^-1", "region ölkələri^-1",
            "Türk Dövlətləri^-2", "MDB^-1.5", "Müstəqil Dövlətlər Birliy*^-1.5",
            "çoxtərəfli^-1.5", "Avropa İttifaq*^-1", "üçtərəfli^-2",
            "azad ticarət saziş*^-1", "Baş katib* & ÜGT | Ümumdünya Gömrük Təşkilat*^-1.5",
        ],
        "ru": [
            "двусторонн*^2",
            "@meet & @country^1.5", "соглашени* | протокол* & @country^1",
            "Азербайдж* и @country^2", "@country и Азербайдж*^2",
            "=азербайджано^1.5", "таможенн* служб* @country^1.5", "таможн* @country^1.5",
            "делегаци* @country^1.5", "посол @country^1.5", "@country сторон*^1.5",
            "двух стран^1", "обеих стран^1", "стороны^1", "обе стороны^1",
            "@country @country^-1", "@country и @country^-1", "границ* с @country^-0.5",
            "государств* членов^-1.5", "государств участников^-1.5", "стран участниц^-1.5",
            "ряда стран^-1", "стран региона^-1", "тюркских государств^-2", "СНГ^-1.5",
            "Содружеств* Независим* Государств^-1.5", "многосторонн*^-1.5",
            "Европейск* союз*^-1", "трехсторонн*^-2", "свободной торговл*^-1",
            "Генеральн* секретар* & ВТамО | Всемирн* таможенн* организаци*^-1.5",
        ],
    },
)

_DEMINING = Topic(
    id="demining",
    name="Demining",
    description="Mines and demining, mined and liberated territories, mine victims, "
    "mine-detection dogs.",
    terms={
        "*": ["ANAMA^2"],
        "en": [
            "demining^2", "de-mining^2", "mine clearance^2", "mine action^2",
            "mine awareness^2", "landmine*^2", "minefield*^2", "mine-detection^2",
            "mine detection^2", "mine detector*^2", "mine victims^2", "anti-personnel mine*^2",
            "anti-tank mine*^2", "unexploded ordnance^1.5", "explosive remnants^1.5",
            "=mine^1", "=mines^1", "=mined^1", "cleared of mines^1",
            "liberated territories^1", "liberated lands^1", "liberated areas^1",
            "contaminat* & =mines^0.5",
        ],
        "az": [
            "minatəmizləmə*^2", "mina* təmizlən*^2", "mina axtaran^2", "minaya düş*^2",
            "mina qurban*^2", "mina*^1", "partlamamış^1.5", "piyada əleyhinə^1",
            "tank əleyhinə^1", "işğaldan azad edilmiş ərazi*^1", "azad edilmiş ərazi*^1",
        ],
        "ru": [
            "размини*^2", "противоминн*^2", "минн*^1.5", "мин^1", "=мины^1",
            "поиск* мин^1", "противопехотн*^1", "противотанков* мин*^1",
            "неразорвавш*^1.5", "взрывоопасн*^1", "освобожденн* территори*^1",
            "жертв* мин^2",
        ],
    },
)

_SMUGGLING = Topic(
    id="smuggling",
    name="Smuggling and seizures",
    description="Seizures, contraband, drugs, weapons, counterfeit goods, detentions, "
    "criminal cases.",
    terms={
        "en": [
            "smuggl*^2", "contraband^2", "narcotic*^2", "drug*^1.5", "heroin^2", "hashish^2",
            "cocaine^2", "opium^2", "methamphetamine^2", "amphetamine*^2", "psychotropic^2",
            "cannabis^2", "marijuana^2", "firearm*^2", "weapon*^1.5", "ammunition^1.5",
            "cartridges^1", "pistol*^1", "rifles^1", "counterfeit^2", "fake^1",
            "seized^1", "seizure*^1.5", "confiscat*^1", "detained^1", "detention^1",
            "criminal case^1.5", "trafficking^1.5", "concealed^1", "hidden^0.5",
            "hiding place*^1", "false bottom*^1", "double bottom^1", "excise stamps^1",
            "cigarettes^1", "tobacco^0.5",
            "undeclared^1", "illegal*^1", "cultural value^1", "intellectual property^0.5",
            "investigative department^1",
        ],
        "az": [
            "qaçaqmalçılıq*^2", "narkotik*^2", "tiryək^2", "heroin*^2", "həşiş*^2",
            "metamfetamin*^2", "psixotrop*^2", "marixuana*^2", "odlu silah*^2", "silah*^1",
            "döyüş sursat*^1.5", "patron*^1", "tapança*^1", "saxta^1.5", "kontrafakt*^2",
            "cinayət iş*^1.5", "saxlanıl*^1", "müsadirə*^1", "gizlədil*^1",
            "götürülüb^0.5", "istintaq*^1", "qanunsuz*^1", "siqaret*^1", "tütün*^0.5",
        ],
        "ru": [
            "контрабанд*^2", "наркоти*^2", "героин*^2", "гашиш*^2", "кокаин*^2",
            "метамфетамин*^2", "амфетамин*^2", "психотропн*^2", "оружи*^1.5",
            "боеприпас*^1", "патрон*^1", "пистолет*^1", "контрафакт*^2", "поддельн*^1.5",
            "уголовн* дел*^1.5", "задержан*^1", "изъят*^1", "конфиск*^1", "незаконн*^1",
            "сокрыт*^1", "спрятан*^1", "тайник*^1", "следств*^1", "сигарет*^1",
            "табач*^0.5",
        ],
    },
)

_TRADE = Topic(
    id="trade",
    name="Foreign trade and revenue",
    description="Foreign trade turnover, import and export figures, customs revenue and "
    "payments collected.",
    terms={
        "en": [
            "foreign trade turnover^3", "trade turnover^2", "foreign trade^1.5",
            "=trade^0.5", "trade union^-1", "Ministry of Trade^-0.5",
            "=exports^1", "=export^0.5", "=imports^1", "=imported^0.5", "=import^0.5",
            "import dut*^-0.5", "import customs dut*^-0.5", "temporary import^-0.5",
            "trade balance^1", "trade surplus^1", "trade deficit^1",
            "trading partner*^1.5", "customs statistics^1.5", "customs data^1",
            "customs payments^2", "customs revenue^2", "state budget^1.5",
            "billion^0.75", "per cent more^0.5", "compared with the same period^1",
            "non-oil^1", "collected & manat*^1.5", "duty rate*^-1",
        ],
        "az": [
            "xarici ticarət dövriyyə*^3", "ticarət dövriyyə*^2", "xarici ticarət^1.5",
            "ixrac*^1", "idxal*^1", "idxal rüsum*^-0.5", "idxal gömrük rüsum*^-0.5",
            "rüsum* dərəcə*^-1", "ticarət tərəfdaş*^1.5",
            "gömrük statistika*^1.5", "gömrük ödəniş*^2", "dövlət büdcə*^1.5",
            "milyard^0.75", "qeyri-neft^1", "yığıl* | ödənil* & manat*^1.5",
            "eyni dövrü ilə müqayisədə^1",
        ],
        "ru": [
            "внешнеторгов*^2", "внешн* торгов*^1.5", "товарооборот*^2",
            "торгов* оборот*^2", "экспорт*^1", "импорт*^1", "торгов* партнер*^1.5",
            "таможенн* статистик*^1.5", "таможенн* платеж*^2", "государственн* бюджет*^1.5",
            "миллиард*^0.75", "сальдо^1", "собран* | перечисл* | поступ* | уплач* & манат*^1.5",
            "ненефтян*^1", "по сравнению с аналогичн*^1", "ставк* пошлин*^-1",
        ],
    },
)

_ECOMMERCE = Topic(
    id="ecommerce",
    name="E-commerce and parcels",
    description="E-commerce, postal items and parcels, online purchases, express carriers.",
    terms={
        "en": [
            "e-commerce^2", "ecommerce^2", "electronic commerce^2", "online shop*^2",
            "online store*^2", "online purchase*^2", "online shopper*^2", "online order*^2",
            "online platform*^1.5", "bought online^2", "shopping online^2", "parcel*^1.5",
            "postal^1.5", "post office*^1", "express carrier*^2", "express shipment*^1.5",
            "courier service*^1.5", "duty-free limit^1", "low-value shipment*^1",
        ],
        "az": [
            "elektron ticarət^2", "internet mağaza*^2", "onlayn mağaza*^2", "onlayn alış*^2",
            "onlayn sifariş*^2", "poçt göndəriş*^2", "poçt*^1", "bağlama*^1.5",
            "ekspres daşıyıcı*^2", "ekspres göndəriş*^1.5", "göndəriş*^1", "sifariş*^0.5",
            "kuryer xidmət*^1.5",
        ],
        "ru": [
            "электронн* торговл*^2", "интернет-магазин*^2", "онлайн-магазин*^2",
            "интернет торговл*^2", "покупк* в интернет*^2", "онлайн покупк*^2", "посылк*^1.5",
            "почтов*^1.5", "экспресс-перевозчик*^2", "экспресс-отправлени*^1.5",
            "экспресс-доставк*^1.5", "международн* отправлени*^1.5", "отправлени*^0.5",
            "курьерск* служб*^1.5",
        ],
    },
)

_TRAINING = Topic(
    id="training",
    name="Training",
    description="Training, seminars, workshops, courses, capacity building.",
    terms={
        "en": [
            "=training^1.5", "=trained^0.75", "trainee*^1.5", "seminar*^2", "webinar*^2",
            "workshop*^2",
            "=course^2", "=courses^2", "in the course of^-2", "of course^-2",
            "course of action^-2", "master class*^2", "capacity building^1.5",
            "capacity-building^1.5", "instructor*^1", "trainers^1", "lectures^1",
            "lecturers^1", "study visit*^1", "participants^0.5", "certificates^0.5",
            "Customs Academy^1", "professional development^1.5", "exercises^0.5",
            "Regional Office for Capacity Building^-0.5",
        ],
        "az": [
            "təlim*^2", "seminar*^2", "vebinar*^2", "treninq*^2", "kurs*^1.5",
            "ustad dərs*^2", "məşğələ*^1", "dinləyici*^1", "mühazirə*^1", "iştirakçı*^0.5",
            "sertifikat*^0.5", "Gömrük Akademiya*^1", "ixtisasartırma*^2",
            "potensialın gücləndirilməsi^1",
            "potensialın gücləndirilməsi regional ofis*^-0.5",
            "potensialın gücləndirilməsi üzrə regional ofis*^-0.5",
        ],
        "ru": [
            "семинар*^2", "вебинар*^2", "тренинг*^2", "обучени*^2", "обучающ*^1.5",
            "курс*^1.5", "мастер-класс*^2", "заняти*^1", "слушател*^1", "лекци*^1",
            "преподавател*^1", "участник*^0.5", "сертификат*^0.5",
            "таможенн* академи*^1", "повышени* квалификаци*^2",
            "наращивани* потенциал*^1", "офис* по наращивани* потенциал*^-0.5",
        ],
    },
)

_LEGISLATION = Topic(
    id="legislation",
    name="Legislation and rules",
    description="Laws, decrees, resolutions, regulations, changes to procedures and tariffs.",
    terms={
        "en": [
            "law^1", "laws^1", "decree^2", "resolution^1.5", "regulation*^1", "amendment*^1.5",
            "amends^1", "amending^1", "Customs Code^0.75", "Cabinet of Ministers^1.5",
            "Milli Majlis^1.5", "parliament^1", "entered into force^1.5",
            "enter into force^1.5", "enters into force^1.5", "takes effect^1",
            "new rules^1.5", "the rules^0.5", "customs tariff^1.5", "duty rate*^1",
            "tariff*^0.5", "Code of Administrative Offences^1.5", "legislation^0.5",
            "exempt*^0.5", "approved^0.5", "signed by the President^1",
            "laws and regulations^0.5", "=in force^1", "Official Journal^1", "official gazette^1",
            "=duty | =duties & =raises | =raised | =raise | lower* | abolish* | reduc* | introduc*"
            " | increas*^1",
            # a decree that awards medals is not legislation
            "awarded^-1.5", "medals^-1",
        ],
        "az": [
            "=qanun | =qanuna | =qanunu | =qanunun | =qanunda | =qanunla | qanunlar*^1.5",
            "qanunvericili*^0.5", "qanun layihə*^1.5", "fərman*^2", "sərəncam*^1.5", "qərar*^1",
            "Nazirlər Kabinet*^1.5",
            "Milli Məclis*^1.5", "dəyişiklik*^1.5", "qüvvəyə min*^1.5", "qayda*^1",
            "Gömrük Məcəllə*^0.75", "İnzibati Xətalar Məcəllə*^1.5", "tarif*^1",
            "rüsum dərəcə*^1", "normativ*^1", "azadolma*^0.5", "təsdiq*^0.5",
            "təltif*^-1.5", "medal*^-1", "orden*^-1",
        ],
        "ru": [
            "закон^1.5", "законодательств*^0.5", "законопроект*^1.5", "=указ^2", "=указа^2",
            "=указом^2", "=указе^2",
            "постановлени*^1.5", "распоряжени*^1", "кабинет* министр*^1.5",
            "Милли Меджлис*^1.5", "поправк*^1.5", "изменени*^0.5", "вступ* в силу^1.5",
            "правила*^0.5", "=правил^0.5", "нов* правил*^1.5", "таможенн* тариф*^1.5",
            "ставк*^0.5", "пошлин*^0.5",
            "кодекс*^1", "нормативн*^1", "утверди*^0.5", "награжд*^-1.5", "медал*^-1",
            "орден*^-1",
        ],
    },
)

_TRANSIT = Topic(
    id="transit",
    name="Transit and border crossings",
    description="Border crossing points, transport corridors, transit, logistics "
    "infrastructure, digital border systems.",
    terms={
        "*": ["NCTS^2", "TIR^1.5"],
        "en": [
            "transit^1.5", "border crossing point*^2", "border crossing*^1.5",
            "crossing point*^1.5", "checkpoint*^1", "corridor*^1.5", "logistic*^1",
            "terminal*^1", "freight^1", "cargo^0.5", "electronic queue^1.5", "queue^0.5",
            "single window^1", "railway^1", "rail^0.5", "infrastructure^1",
            "digital border^2", "electronic seal*^1.5", "waiting time*^1", "lane*^0.5",
            "transport route*^1", "ferry^0.5", "traffic^0.5", "throughput^1",
            "border gate*^0.75", "dry port*^2", "=port^0.5", "=ports^0.5", "ferries^0.5",
            "container train*^1.5", "block train*^1.5", "border station*^1.5", "transshipment^1.5",
            "TEU^1", "Trans-Caspian^1.5", "joint control^1", "joint customs control^1",
            "time slot*^1", "=queues^0.5", "queue lengths^0.5", "=trucks^0.5", "=lorries^0.5",
            "TIR Carnet*^2", "guarantee*^0.5", "e-queue^1.5", "smart border*^1.5",
            "transition period* | transitional period*^-0.5",
        ],
        "az": [
            "tranzit*^2", "sərhəd keçid məntəqə*^2", "keçid məntəqə*^1.5", "dəhliz*^1.5",
            "logistika*^1", "terminal*^1", "yükdaşıma*^1", "yük daşıma*^1", "yük*^0.5",
            "elektron növbə*^1.5", "vahid pəncərə^1", "dəmir yol*^1", "infrastruktur*^1",
            "ötürmə qabiliyyət*^1", "gözləmə müddət*^1", "elektron plomb*^1.5",
            "liman*^0.5", "sərhəd*^0.5", "quru liman*^2", "sərhəd stansiya*^1.5",
            "daşıyıcı*^0.5", "yük avtomobil* | yük maşın*^0.25", "birgə nəzarət^1",
            "konteyner qatar*^1.5", "bərə*^0.5", "rəqəmsal sərhəd*^2", "növbə*^0.5",
        ],
        "ru": [
            "транзит*^2", "пункт* пропуска^2", "пропускн*^1", "коридор*^1.5", "логист*^1",
            "терминал*^1", "грузоперевоз*^1", "перевоз*^0.5", "груз*^0.5",
            "электронн* очеред*^1.5", "единого окна^1", "железнодорожн*^1",
            "инфраструктур*^1", "маршрут*^1", "пломб*^1", "время ожидания^1",
            "паром*^0.5", "порт^0.5", "порты^0.5", "границ*^0.5", "погранпереход*^1.5",
            "пограничн* переход*^1.5", "сухой порт^2", "сухого порта^2", "перевозчик*^0.5",
            "грузовик*^0.5", "грузов* автомоб*^0.5", "совместн* контрол*^1",
            "контейнерн* поезд*^1.5", "полос*^0.5", "очеред*^0.5", "цифров* границ*^2", "МАПП^1",
        ],
    },
)

DEFAULT_TOPICS: list[Topic] = [
    _WCO,
    _BILATERAL,
    _DEMINING,
    _SMUGGLING,
    _TRADE,
    _ECOMMERCE,
    _TRAINING,
    _LEGISLATION,
    _TRANSIT,
]
