"""Invented names and places for demo and scale data: nothing here is a real person or
organisation, and every email address uses a reserved example domain."""

from __future__ import annotations

import random
import unicodedata

import phonenumbers
from django.utils.text import slugify

from ..models import PartnerOrganisation, Person

# Per region: female first names | male first names | family names.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    region: tuple(part.split() for part in parts.split("|"))  # type: ignore[misc]
    for region, parts in {
        "east_africa": "Achieng Wanjiru Akinyi Nafula Wairimu Nakato Namubiru Auma Neema Rehema "
        "Zawadi Mwajuma Atieno Nyambura Kemunto Aisha Halima Mercy Faith Esther Joyce Lilian | "
        "Otieno Kamau Kiprotich Mwangi Okello Mugisha Baraka Juma Hamisi Omondi Wekesa Emmanuel "
        "Joseph Brian Kevin Daniel Samuel Moses Ibrahim Amani | Odhiambo Kamau Wanjiku Mwangi "
        "Njoroge Ochieng Kiprono Chebet Nakimuli Ssemwogerere Tumusiime Byaruhanga Nansubuga "
        "Mushi Massawe Mollel Kimaro Mrema Lyimo Swai Uwimana Habimana Mutesi Wafula Akello",
        "ethiopia": "Meron Hiwot Selam Tigist Bethlehem Mahlet Alem Tsion Rahel Saba Liya | "
        "Dawit Abebe Tesfaye Yonas Bereket Mulugeta Getachew Henok Solomon Kebede Yared | "
        "Bekele Tadesse Haile Girma Alemu Mekonnen Wolde Assefa Desta Gebremedhin Abera Negash",
        "southern_africa": "Thandiwe Nomvula Lerato Chikondi Tadala Chipo Rudo Lúcia Ana Fátima "
        "Palesa Naledi Mphatso Tiyamike Precious Mbali Rutendo Luisa | Sipho Themba Thabo "
        "Kondwani Chisomo Tiago João Tendai Tinashe Mandla Bongani Lucas Armando Blessings "
        "Chimwemwe Rija Mthunzi | Dlamini Mokoena Nkosi Ndlovu Khumalo Banda Phiri Mwale Chirwa "
        "Mbewe Macuácua Nhantumbo Sitoe Cossa Moyo Sibanda Mutasa Zulu Mulenga Tembo Rakoto "
        "Rasoanaivo Chissano Gondwe",
        "west_africa": "Ama Akosua Abena Efua Adjoa Mireille Brigitte Esi Afia Nadège | Kwame "
        "Kofi Yaw Kwabena Kojo Jean Paul Ebenezer Serge Honoré | Mensah Owusu Boateng Asante "
        "Osei Agyeman Nkongho Fotso Tchoumi Ngono Addo Appiah Mbarga",
        "south_asia": "Sita Sunita Gita Anjali Priya Nusrat Farhana Tahmina Sharmin Kamala "
        "Dilani Ishani Pooja Rupa Sabina Maya Nirmala | Bikash Ramesh Suresh Prakash Rahim Karim "
        "Arif Tanvir Anil Sanjay Nuwan Kasun Dipesh Rajesh Mohammad Sujan Hari | Gurung Tamang "
        "Thapa Shrestha Sharma Rai Magar Chowdhury Rahman Hossain Akter Islam Uddin Perera "
        "Fernando Silva Patel Singh Das Karki Adhikari Bhattarai",
        "southeast_asia": "Kanokwan Siriporn Nattaya Ploy Lan Mai Hoa Sokha Bopha Dara Dewi Siti "
        "Kristine Vilayvanh Malee | Somchai Anan Kittisak Minh Duc Tuan Sok Vannak Budi Agus Jose "
        "Mark Somphone Thanh Rizal | Srisuk Boonmee Chaiyaporn Wongsa Nguyen Tran Le Pham Chea "
        "Keo Santoso Wijaya Hidayat Reyes Santos Cruz Phommachanh Sihalath Vongsa Aquino",
        "latin_america": "María Ana Lucía Rosa Carmen Gabriela Sofía Juana Elena Isabel Patricia "
        "Marta Wendy | José Juan Carlos Luis Miguel Pedro Diego Mario Jorge Edgar Fernando Ángel "
        "Wilmer | López García Pérez Hernández González Ramírez Morales Castillo Mamani Quispe "
        "Choque Flores Rodríguez Ajú Tzoc Xicará Martínez Velásquez",
        "norway": "Ingrid Kari Silje Marit Ragnhild Solveig Astrid Hilde Tone Ida Nora Marte "
        "Ane Guro Sigrid | Eirik Ole Lars Knut Bjørn Per Anders Magnus Håkon Sindre Torbjørn Arne "
        "Jon Sverre Even | Haugen Solheim Hansen Johansen Olsen Larsen Berg Dahl Lie Bakken "
        "Nilsen Strand Eide Moen Halvorsen Lunde Aasen Sæther Kristiansen Nygård Rønning",
    }.items()
}

# Country → (region of names, preferred language, cities, weight in the scale data set).
COUNTRIES: dict[str, tuple[str, str, list[str], int]] = {
    code: (region, language, cities.split(", "), weight)
    for code, region, language, cities, weight in [
        ("NO", "norway", "en", "Oslo, Bergen, Trondheim, Stavanger, Tromsø, Førde", 9),
        ("KE", "east_africa", "en", "Nairobi, Kisumu, Mombasa, Nakuru, Eldoret", 5),
        ("UG", "east_africa", "en", "Kampala, Gulu, Mbarara, Jinja, Mbale", 5),
        ("TZ", "east_africa", "en", "Dar es Salaam, Arusha, Mwanza, Dodoma, Moshi", 5),
        ("NP", "south_asia", "en", "Kathmandu, Pokhara, Biratnagar, Lalitpur", 4),
        ("ET", "ethiopia", "en", "Addis Ababa, Bahir Dar, Hawassa, Mekelle", 3),
        ("MW", "southern_africa", "en", "Lilongwe, Blantyre, Mzuzu, Zomba", 3),
        ("MZ", "southern_africa", "pt", "Maputo, Beira, Nampula, Quelimane", 3),
        ("ZA", "southern_africa", "en", "Johannesburg, Cape Town, Durban, Polokwane", 3),
        ("BD", "south_asia", "en", "Dhaka, Khulna, Chattogram, Sylhet", 3),
        ("TH", "southeast_asia", "en", "Bangkok, Chiang Mai, Khon Kaen", 3),
        ("GT", "latin_america", "es", "Guatemala City, Quetzaltenango, Cobán", 2),
        ("ZM", "southern_africa", "en", "Lusaka, Ndola, Livingstone", 2),
        ("ZW", "southern_africa", "en", "Harare, Bulawayo, Mutare", 2),
        ("RW", "east_africa", "fr", "Kigali, Huye, Musanze", 2),
        ("MG", "southern_africa", "fr", "Antananarivo, Toamasina, Fianarantsoa", 1),
        ("GH", "west_africa", "en", "Accra, Kumasi, Tamale", 1),
        ("CM", "west_africa", "fr", "Yaoundé, Douala, Bamenda", 1),
        ("IN", "south_asia", "en", "Bengaluru, Pune, Kolkata", 1),
        ("LK", "south_asia", "en", "Colombo, Kandy, Galle", 1),
        ("VN", "southeast_asia", "en", "Hanoi, Huế, Da Nang", 1),
        ("KH", "southeast_asia", "en", "Phnom Penh, Siem Reap, Battambang", 1),
        ("LA", "southeast_asia", "en", "Vientiane, Luang Prabang, Pakse", 1),
        ("ID", "southeast_asia", "en", "Yogyakarta, Makassar, Bandung", 1),
        ("PH", "southeast_asia", "en", "Manila, Cebu, Davao", 1),
        ("NI", "latin_america", "es", "Managua, León, Matagalpa", 1),
        ("HN", "latin_america", "es", "Tegucigalpa, San Pedro Sula", 1),
        ("BO", "latin_america", "es", "La Paz, Cochabamba, Sucre", 1),
    ]
}

SECTORS = ["Health", "Water", "Agriculture", "Education", "Renewable Energy", "Media",
           "Forestry", "Fisheries", "Microfinance", "Youth", "Women's Rights", "Disability",
           "Nursing", "Teacher Training", "Veterinary", "Tourism", "Legal Aid", "Sports",
           "Music", "Climate"]  # fmt: skip
ORGANISATION_PATTERNS: dict[str, list[str]] = {
    PartnerOrganisation.Kind.PUBLIC: ["{city} District {sector} Office",
                                      "{city} Municipal {sector} Department",
                                      "{city} College of {sector}",
                                      "{city} Regional {sector} Authority"],
    PartnerOrganisation.Kind.NGO: ["{city} {sector} Network", "{city} Community {sector} Trust",
                                   "{sector} Action {city}", "{city} {sector} Association",
                                   "Friends of {city} {sector}"],
    PartnerOrganisation.Kind.COMPANY: ["{city} {sector} Services Ltd", "{sector} Partners {city}",
                                       "{city} {sector} Cooperative"],
    PartnerOrganisation.Kind.OTHER: ["{city} {sector} Foundation", "{city} {sector} Forum"],
}  # fmt: skip
EMAIL_DOMAINS = ["example.org", "example.net", "example.com", "mail.example.org",
                 "post.example.net", "alumni.example.com"]  # fmt: skip
FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def ascii_fold(text: str) -> str:
    """'Bjørn Sæther' → 'Bjorn Saether': for email addresses made from names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLD))
    return decomposed.encode("ascii", "ignore").decode()


def email_local(first: str, last: str) -> str:
    """'Tiago Macuácua' → 'tiago.macuacua'."""
    parts = (slugify(ascii_fold(name)).replace("-", ".") for name in (first, last))
    return ".".join(part for part in parts if part) or "person"


def phone_number(country: str, number: int) -> str:
    """A valid mobile number of ``country`` in E.164 (varied by ``number``), or ''."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    digits = str(example.national_number)
    varied = digits[:-4] + f"{number % 10000:04d}"
    candidate = phonenumbers.parse(f"+{example.country_code}{varied}")
    if not phonenumbers.is_valid_number(candidate):
        candidate = example
    return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)


def language_of(country: str) -> str:
    return COUNTRIES[country][1] if country in COUNTRIES else "en"


def pick_name(rng: random.Random, country: str) -> tuple[str, str, str]:
    """(first name, family name, gender) typical of ``country``."""
    female, male, family = NAMES[COUNTRIES[country][0]]
    gender = rng.choice([Person.Gender.FEMALE, Person.Gender.MALE])
    first = rng.choice(female if gender == Person.Gender.FEMALE else male)
    return first, rng.choice(family), gender


def spelling_variant(name: str, rng: random.Random) -> str:
    """The same name as another register spelt it: 'Nygård' → 'Nygaard', 'Phiri' → 'Firi'."""
    rules = [("å", "aa"), ("ø", "o"), ("ø", "oe"), ("æ", "ae"), ("é", "e"), ("á", "a"),
             ("ú", "u"), ("í", "i"), ("ó", "o"), ("Ph", "F"), ("ph", "f"), ("y", "i"),
             ("K", "C"), ("Mo", "Mu"), ("mm", "m"), ("ss", "s"), ("ll", "l"), ("ou", "u"),
             ("ee", "i"), ("ie", "ei"), ("ei", "ie")]  # fmt: skip
    options = [(old, new) for old, new in rules if old in name]
    if options:
        old, new = rng.choice(options)
        return name.replace(old, new, 1)
    if len(name) > 3:  # a transposed pair of letters
        at = rng.randint(1, len(name) - 3)
        swapped = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
        if swapped != name:
            return swapped
    return name + "h"
