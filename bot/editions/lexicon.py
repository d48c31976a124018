"""A small trilingual lexicon of customs concepts, the evidence that crosses languages
besides names, places and figures: heroin / героин / heroin, SİO / УЭО / AEO, kürü / икра /
caviar. Each pattern runs on `translit.fold` text, so one covers the three spellings."""

from __future__ import annotations

import re

CONCEPTS: dict[str, str] = {
    # goods and contraband
    "heroin": r"heroin|geroin",
    "cocaine": r"kokain|cocain",
    "methamphetamine": r"metamfetamin|methamphetamin",
    "mephedrone": r"mefedron|mephedron",
    "cannabis": r"marikhuana|marikhuan|marijuan|cannabis|kannabis|gashish|hashish|hash\b",
    "ecstasy": r"ekstazi|ecstasy|ekstaz",
    "psychotropic": r"psikhotrop|psychotrop",
    "opium": r"tiryak|opium|opiy",
    "caviar": r"kuru\b|kurunun|kurusu|ikr(?:a|y|u|oy)\b|caviar",
    "cigarettes": r"siqaret|sigaret|cigarett",
    "tobacco": r"tutun|tabak|tobacco|qalyan|kalyan|hookah",
    "alcohol": r"spirtli ichki|alkogol|alcohol|arakh|vodk",
    "ammunition": r"patron|cartridge|ammunition|boepripas|sursat",
    "weapons": r"silah|oruzhi|weapon|firearm|tapancha|pistolet|pistol",
    "counterfeit": r"saxta|sakhta|kontrafakt|counterfeit|fake|poddel",
    "currency": r"valyuta|currency|naghd pul|nalichn",
    "gold": r"qizil|zolot|gold|zargarl|yuvelir|jewel",
    "medicines": r"darman|lekarstv|medicine|pharmac|farmats",
    "perfume": r"atir|parfyum|parfum|dukh(?:i|ov|ami)\b|perfume|kosmetik|cosmetic",
    "clothes": r"geyim|odezhd|cloth",
    "footwear": r"ayaqqabi|obuv|footwear|shoe",
    "toys": r"oyunjaq|igrushk|\btoys?\b",
    "vitamins": r"vitamin",
    "dried-fruit": r"quru meyva|sukhofrukt|dried fruit",
    "cars": r"minik avtomobil|legkov\w* avtomob|passenger car|\bcars?\b",
    "trucks": r"yuk avtomobil|gruzovik|gruzov\w* avtomob|truck|lorr(?:y|ies)|\bfur[ay]",
    "minibus": r"mikroavtobus|minibus",
    "container": r"konteyner|container",
    "railway": r"damir yol|zhelezn\w* dorog|zheleznodorozh|railway",
    "ferry": r"\bbara\b|parom|ferry|ferries",
    "luggage": r"baqaj|bagazh|luggage|baggage|chamadan|chemodan|suitcase",
    "parcels": r"baghlam|posylk|parcel",
    "postal": r"pocht(?:a|u|e|y|o)?\b|pochtov|postal|\bmail\b",
    "express": r"ekspress|express",
    "ecommerce": r"elektron tijarat|elektronn\w* torgovl|e-commerce"
                 r"|internet magaz|onlayn magaz|online shop|internet",
    # institutions and instruments
    "aeo": r"sio\b|ueo\b|aeo\b|salahiyyatli iqtisadi operator|upolnomochenn\w* ekonom"
           r"|authori[sz]ed economic operator",
    "wco": r"ugt\b|vtamo\b|wco\b|umumdunya gomruk|vsemirn\w* tamozhenn|world customs organi",
    "policy-commission": r"siyasat komissiya|politichesk\w* komissi|policy commission",
    "council": r"amakdashl\w* shura|sovet\w* tamozhenn\w* sotrudnich|co-?operation council",
    "rocb": r"rocb|regional ofis|regionaln\w* ofis|regional office",
    "anama": r"anama|minalardan tamizlama agentliy|agentstv\w* po razminir|mine action agency",
    "cites": r"cites",
    "customs-code": r"gomruk majallas|tamozhenn\w* kodeks|customs code",
    "criminal-code": r"jinayat majallas|ugolovn\w* kodeks|criminal code|\buk\b",
    "cabinet": r"nazirlar kabinet|kabinet\w* ministr|cabinet of ministers",
    "memorandum": r"memorandum",
    "protocol": r"protokol|protocol",
    "agreement": r"sazish|soglashen|agreement",
    "customs-day": r"gomrukchular gunu|den\w* tamozhennik|customs day",
    "medal": r"medal",
    "certificates": r"sertifikat|certificat",
    "academy": r"akademiya|akademi|academy",
    "course": r"kurs|course",
    "seminar": r"seminar|workshop",
    "risk-management": r"risklarin idara|upravleni\w* risk|risk management|risk profil"
                       r"|profil\w* risk",
    "customs-value": r"gomruk dayar|tamozhenn\w* stoimost|customs valu",
    "x-ray": r"rentgen|x-ray",
    "sniffer-dog": r"xidmati it|khidmati it|sluzhebn\w* sobak|sniffer dog|kinolo|canine",
    "mine-dogs": r"mina ?akhtaran|minno-rozysk|sobak\w* (?:\w+ )?(?:dlya )?poisk\w* min"
                 r"|mine-detection dog|mine detection dog",
    "demining": r"minatamizl|minalardan tamizl|razminir|demining|mine clearance|clearing mines",
    "electronic-queue": r"elektron novba|elektronn\w* ochered|electronic queue",
    "single-window": r"bir panjara|edin\w* okn|single window",
    "transit": r"tranzit|transit",
    "middle-corridor": r"orta dahliz|sredn\w* koridor|middle corridor",
    "trans-caspian": r"trans-khazar|transkaspi|trans-caspian",
    "strategic-plan": r"strateji plan|strategichesk\w* plan|strategic plan",
    "foreign-trade": r"khariji tijarat|vneshnetorgov|vneshn\w* torgovl|foreign trade",
    "export": r"ikhraj|eksport|export",
    "import": r"idkhal|import|vvoz",
    "budget": r"budja|byudzhet|budget",
    "customs-duty": r"gomruk rusum|poshlin|customs dut|import dut",
    "vat": r"alava dayar vergi|\bnds\b|\bvat\b",
    "tractors": r"traktor|tractor",
    "combines": r"kombayn|combine",
    "irrigation": r"suvarma|oroshen|irrigation",
    "advance-information": r"ilkin (?:elektron )?malumat|predvaritel\w* (?:elektronn\w* )?info"
                           r"|advance (?:electronic )?(?:data|information)",
    "pilot-project": r"pilot",
    "working-group": r"ishchi qrup|raboch\w* grupp|working group",
    "expert-group": r"ekspert qrup|ekspertn\w* grupp|expert group",
    "smart-customs": r"aghilli gomruk|umn\w* tamozh|smart customs",
    "harmonized-system": r"harmonikl\w* sistem|garmonizirovann\w* sistem|harmoni[sz]ed system",
    "drones": r"pilotsuz uchan|bespilot|drone",
    "batteries": r"akkumulyator|accumulator|batare|batter(?:y|ies)",
    "electronic-declaration": r"elektron bayannama|elektronn\w* deklarats|electronic declaration",
}
# what a seizure is of: every edition of a seizure names it, so two different ones conflict
GOODS = frozenset({
    "heroin", "cocaine", "methamphetamine", "mephedrone", "cannabis", "ecstasy", "opium",
    "psychotropic", "caviar", "cigarettes", "tobacco", "alcohol", "ammunition", "weapons",
    "currency", "gold", "medicines", "perfume",
})
# concepts that only restate a topic or name the everyday means of the service: shared by
# many releases of a kind, they weigh little and never count as shared content on their own
TOPICAL = frozenset({
    "wco", "rocb", "transit", "middle-corridor", "academy", "course", "seminar", "certificates",
    "postal", "express", "parcels", "ecommerce", "anama", "demining", "mine-dogs", "sniffer-dog",
    "import", "export", "customs-duty", "vat", "budget", "foreign-trade", "memorandum",
    "protocol", "agreement", "x-ray", "risk-management", "container", "trucks", "cars",
    "electronic-declaration", "smart-customs", "criminal-code", "cabinet", "counterfeit",
    "pilot-project",
})
_COMPILED = [(key, re.compile(rf"\b(?:{pattern})")) for key, pattern in CONCEPTS.items()]


def concepts(folded: str) -> frozenset[str]:
    """The concepts a folded text names."""
    return frozenset(key for key, rx in _COMPILED if rx.search(folded))
