"""Word classes a term can name as ``@name`` (`bot.classify.terms`): foreign countries and their
adjectives (``@country``) and the words of meetings, talks, visits and agreements (``@meet``),
per language. Written for the genre, like the taxonomy (`bot.classify.taxonomy`)."""

from __future__ import annotations

# ---- word classes (@name in a term) ------------------------------------------------------
#
# Foreign countries and their adjectives; the home country (Azerbaijan) is deliberately
# absent, so "@country" means "another country". Short or ambiguous names are exact forms or
# stems, long distinctive ones are prefixes.

_COUNTRIES_EN = [
    "Afghanistan", "Afghan", "Albania*", "Algeria*", "Argentin*", "Armenia*", "Australia*",
    "Austria*", "Bahrain*", "Bangladesh*", "Belarus*", "Belgium", "Belgian", "Bosnia*",
    "Brazil*", "Britain", "British", "Bulgaria*", "Canada", "Canadian", "Chile", "Chilean",
    "China", "Chinese", "Croatia*", "Cyprus", "Cypriot", "Czech*", "Denmark", "Danish",
    "Egypt*", "Estonia*", "Ethiopia*", "Finland", "Finnish", "France", "French", "Georgia*",
    "Germany", "German", "Greece", "Greek", "Hungar*", "India", "Indian", "Indonesia*",
    "Iran*", "Iraq*", "Ireland", "Irish", "Israel*", "Italy", "Italian", "Japan*", "Jordan",
    "Jordanian", "Kazakh*", "Kenya*", "Korea*", "Kuwait*", "Kyrgyz*", "Latvia*", "Leban*",
    "Libya*", "Lithuania*", "Luxembourg*", "Macedonia*", "Malaysia*", "Malta", "Maltese",
    "Mexic*", "Moldov*", "Mongolia*", "Montenegr*", "Morocc*", "Netherlands", "Dutch",
    "Nigeria*", "Norway", "Norwegian", "Oman", "Omani", "Pakistan*", "Philippine*",
    "Poland", "Polish", "Portugal", "Portuguese", "Qatar*", "Romania*", "Russia*",
    "Saudi*", "Serbia*", "Singapore*", "Slovak*", "Sloven*", "South Africa*", "Spain",
    "Spanish", "Sri Lanka*", "Sweden", "Swedish", "Switzerland", "Swiss", "Syria*",
    "Tajik*", "Thailand", "Thai", "Tunisia*", "Turkey", "Turkish", "Türkiye", "Turkmen*",
    "UAE", "Emirat*", "Ukrain*", "United Kingdom", "UK", "United States", "USA", "American",
    "Uzbek*", "Vietnam*", "New Zealand",
]

_COUNTRIES_AZ = [
    "Əfqanıstan*", "Albaniya*", "Əlcəzair*", "Argentina*", "Ermənistan*", "Avstraliya*",
    "Avstriya*", "Bəhreyn*", "Banqladeş*", "Belarus*", "Belçika*", "Bosniya*", "Braziliya*",
    "Britaniya*", "Bolqarıstan*", "Kanada*", "Çili", "Çin", "Xorvatiya*", "Kipr", "Çexiya*",
    "Danimarka*", "Misir", "Estoniya*", "Efiopiya*", "Finlandiya*", "Fransa*", "Gürcüstan*",
    "Almaniya*", "Yunanıstan*", "Macarıstan*", "Hindistan*", "İndoneziya*", "İran*",
    "İraq*", "İrlandiya*", "İsrail*", "İtaliya*", "Yaponiya*", "İordaniya*", "Qazaxıstan*",
    "Keniya*", "Koreya*", "Küveyt*", "Qırğızıstan*", "Latviya*", "Livan*", "Liviya*",
    "Litva*", "Lüksemburq*", "Makedoniya*", "Malayziya*", "Malta*", "Meksika*", "Moldova*",
    "Monqolustan*", "Monteneqro*", "Mərakeş*", "Niderland*", "Nigeriya*", "Norveç*",
    "Oman*", "Pakistan*", "Filippin*", "Polşa*", "Portuqaliya*", "Qətər*", "Rumıniya*",
    "Rusiya*", "Səudiyyə*", "Serbiya*", "Sinqapur*", "Slovakiya*", "Sloveniya*",
    "Cənubi Afrika*", "İspaniya*", "İsveç*", "İsveçrə*", "Suriya*", "Tacikistan*",
    "Tailand*", "Tunis*", "Türkiyə*", "Türkmənistan*", "BƏƏ", "Ukrayna*", "Böyük Britaniya*",
    "ABŞ", "Amerika*", "Özbəkistan*", "Vyetnam*", "Yeni Zelandiya*",
    # adjectives / peoples, used as "gürcü tərəfi", "özbək gömrükçüləri"
    "gürcü", "özbək", "qazax", "qırğız", "tacik", "türkmən", "macar", "alman", "fransız",
    "italyan", "yapon", "ukraynalı", "rus", "iranlı", "çinli", "pakistanlı", "polyak",
]

_COUNTRIES_RU = [
    "Афганистан*", "афганск*", "Албани*", "Алжир*", "Аргентин*", "Армени*", "армянск*",
    "Австрали*", "Австри*", "австрийск*", "Бахрейн*", "Бангладеш*", "Беларус*", "белорус*",
    "Бельги*", "бельгийск*", "Босни*", "Бразили*", "Великобритани*", "британск*",
    "Болгари*", "болгарск*", "Канад*", "Чили", "Китай*", "китайск*", "КНР", "Хорвати*",
    "Кипр*", "Чехи*", "чешск*", "=Дания", "=Дании", "датск*", "Египет*", "Египт*",
    "Эстони*", "эстонск*", "Эфиопи*", "Финлянди*", "финск*", "Франци*", "французск*",
    "=Грузия", "=Грузии", "=Грузию", "=Грузией", "грузинск*", "Германи*", "немецк*",
    "Греци*", "греческ*", "Венгри*", "венгерск*", "=Индия", "=Индии", "=Индию", "индийск*",
    "Индонези*", "=Иран", "=Ирана", "=Ирану", "=Ираном", "=Иране", "иранск*", "Ирак*",
    "Ирланди*", "Израил*", "Итали*", "итальянск*", "Япони*", "японск*", "Иордани*",
    "Казахстан*", "казахск*", "Кени*", "Коре*", "Кувейт*", "Кыргызстан*", "Киргиз*",
    "кыргызск*", "Латви*", "латвийск*", "Ливан*", "=Ливия", "=Ливии", "Литв*", "литовск*",
    "Люксембург*", "Македони*", "Малайзи*", "=Мальта", "=Мальты", "Мексик*", "Молдов*",
    "Молдав*", "Монголи*", "Черногори*", "Марокк*", "Нидерланд*", "Нигери*", "Норвеги*",
    "норвежск*", "=Оман", "=Омана", "Пакистан*", "Филиппин*", "Польш*", "польск*",
    "Португали*", "Катар*", "Румыни*", "румынск*", "Росси*", "=РФ", "Саудовск*",
    "Серби*", "сербск*", "Сингапур*", "Словаки*", "Словени*", "ЮАР", "Испани*",
    "испанск*", "Швеци*", "шведск*", "Швейцари*", "швейцарск*", "Сири*", "Таджикистан*",
    "таджикск*", "Таиланд*", "Тунис*", "Турци*", "турецк*", "Туркмени*", "туркменск*",
    "ОАЭ", "Эмират*", "Украин*", "украинск*", "=США", "Америк*", "американск*",
    "Узбекистан*", "узбекск*", "Вьетнам*", "Новая Зеландия",
]

# Words that mark a meeting, a visit, talks or an agreement between officials.
_MEET_EN = [
    "met", "meet", "meeting", "talks", "visit", "delegation", "received", "hosted",
    "ambassador", "embassy", "memorandum", "signed", "consultations", "negotiations",
    "counterpart", "discussed", "videoconference", "video link",
]
_MEET_AZ = [
    "görüş*", "danışıq*", "səfər*", "nümayəndə heyət*", "qəbul edib", "qəbul edilib",
    "səfir*", "səfirlik*", "memorandum*", "imzala*", "müzakirə*",
    "məsləhətləşmə*", "videokonfrans*", "həmkar*",
]
_MEET_RU = [
    "встреч*", "встрети*", "переговор*", "визит*", "делегаци*", "принял* делегаци*",
    "посол", "посольств*", "меморандум*", "подписа*",
    "консультаци*", "обсуди*", "обсужд*", "видеоконференц*", "коллег*",
]

MACROS: dict[str, dict[str, list[str]]] = {
    "country": {"en": _COUNTRIES_EN, "az": _COUNTRIES_AZ, "ru": _COUNTRIES_RU},
    "meet": {"en": _MEET_EN, "az": _MEET_AZ, "ru": _MEET_RU},
}
