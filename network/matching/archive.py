"""A labelled historical archive, generated (deterministic by seed), to measure the
matcher against: names drawn per country from pools where a few names are very common
(many namesakes, as in life: there are many Joseph Otienos in Kenya), and about 4 % of
rows a second record of someone already in the file, written the way archives differ —
accents lost, another transliteration, given name and surname swapped, a given name left
out, a typo, an email at another domain, the exchange year moved.

Every row carries ``person``, the hidden truth, used only to score the matcher.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .evidence import Record

# --- Name pools -----------------------------------------------------------------------
# Per country: given names, surnames (most common first: drawn with Zipf weights), the
# towns the sending organisations are in, and the email domains in use.

_POOLS: dict[str, dict[str, list[str]]] = {
    "KE": {
        "given": "Joseph John Mary Peter Grace James Faith Samuel Esther David Daniel Ruth "
        "Brian Mercy Kevin Anne Dennis Joyce Paul Lucy Stephen Wanjiru Achieng Kiprono "
        "Amani Njeri Otieno Wambui Chebet Kamau".split(),
        "surname": "Otieno Odhiambo Mwangi Kamau Wanjiku Ochieng Kiprotich Njoroge Mutua "
        "Onyango Kariuki Kimani Omondi Chebet Wafula Achieng Kiptoo Nyambura Muriuki "
        "Owino Maina Cheruiyot Barasa Korir".split(),
        "towns": "Nairobi Kisumu Mombasa Nakuru Eldoret Thika Machakos Garissa".split(),
    },
    "UG": {
        "given": "Moses Sarah Joseph Grace Isaac Esther Ronald Florence Patrick Agnes "
        "Nakato Babirye Robert Betty Emmanuel Brenda Henry Prossy Denis Harriet Ivan "
        "Winnie Godfrey Rose".split(),
        "surname": "Okello Nakato Ssempala Mugisha Tumusiime Namubiru Kato Waiswa Opio "
        "Akello Ssekandi Nabirye Byaruhanga Kyomuhendo Ochieng Mukasa Atwine Nsubuga "
        "Kizza Lubega".split(),
        "towns": "Kampala Gulu Mbarara Jinja Mbale Lira Arua Masaka".split(),
    },
    "TZ": {
        "given": "Mohammed Juma Rehema Hassan Fatuma Ally Neema Joseph Zainab Salim "
        "Amina Baraka Halima Ibrahim Mwajuma Omari Saida Yusuf Asha Hamisi Upendo "
        "Rashidi Mariam Abdallah".split(),
        "surname": "Hassan Mrisho Mushi Mwakyusa Kimaro Massawe Said Mohamed Shirima "
        "Mollel Swai Lyimo Ngowi Mbwambo Temba Chande Kombo Makame Abdallah Mfinanga".split(),
        "towns": "Arusha Dodoma Mwanza Moshi Tanga Zanzibar Mbeya Morogoro".split(),
    },
    "ET": {
        "given": "Abebe Tadesse Alemu Mulugeta Hiwot Selam Meron Dawit Yonas Tigist "
        "Bethlehem Kebede Girma Lemma Mekdes Hanna Solomon Tsion Bekele Almaz Yohannes "
        "Eyerusalem".split(),
        "surname": "Tadesse Bekele Alemu Kebede Haile Gebre Tesfaye Abebe Wolde Girma "
        "Mengistu Lemma Desta Assefa Getachew Mulugeta Ayele Tefera".split(),
        "towns": "Addis Hawassa Bahir Gondar Mekelle Adama Jimma Dessie".split(),
    },
    "NP": {
        "given": "Ram Sita Krishna Laxmi Hari Gita Bishnu Sarita Ramesh Sunita Suresh "
        "Anita Prakash Kamala Dipak Sabina Bikash Puja Nabin Rita Santosh".split(),
        "surname": "Shrestha Gurung Tamang Rai Magar Thapa Sharma Adhikari Karki Limbu "
        "Maharjan Poudel Bhandari Khadka Sherpa Tharu Basnet Ghimire".split(),
        "towns": "Kathmandu Pokhara Lalitpur Biratnagar Dharan Butwal Chitwan Hetauda".split(),
    },
    "BD": {
        "given": "Mohammad Abdul Fatema Nasrin Rahim Karim Shirin Ayesha Kamal Rafiq "
        "Farhana Sultana Habib Jahanara Anwar Rokeya Mizanur Shahida Selim Taslima".split(),
        "surname": "Rahman Hossain Islam Ahmed Akter Begum Uddin Khatun Chowdhury Sarkar "
        "Miah Alam Haque Das Roy Karim Siddique Talukder".split(),
        "towns": "Dhaka Chittagong Khulna Sylhet Rajshahi Barisal Rangpur Comilla".split(),
    },
    "VN": {
        "given": "Hương Minh Lan Anh Tuấn Hùng Thảo Dũng Hà Linh Nam Trang Quang Hằng "
        "Đức Mai Phương Hải Thủy".split(),
        "surname": "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương".split(),
        "towns": "Hanoi Hue Danang Haiphong Cantho Vinh Dalat Nhatrang".split(),
    },
    "GT": {
        "given": "José María Juan Ana Luis Carmen Carlos Rosa Jorge Lucía Miguel Sofía "
        "Pedro Marta Andrés Elena Mario Julia Óscar Gloria".split(),
        "surname": "García López Pérez Hernández González Rodríguez Martínez Morales "
        "Ramírez Cruz Méndez Castillo Gómez Juárez Quispe Xicará Ixcoy Tzul".split(),
        "towns": "Quetzaltenango Antigua Cobán Escuintla Huehuetenango Zacapa Mixco Petén".split(),
    },
    "MW": {
        "given": "Chikondi Mphatso Grace Kondwani Tiyamike Joseph Mercy Blessings Chisomo "
        "Thoko Yamikani Limbani Memory Pemphero Innocent Madalitso Alinafe Tamanda".split(),
        "surname": "Banda Phiri Mwale Chirwa Kumwenda Nyirenda Gondwe Mbewe Tembo Kachale "
        "Mkandawire Msiska Zulu Jere Chimwaza Moyo".split(),
        "towns": "Lilongwe Blantyre Mzuzu Zomba Kasungu Mangochi Salima Karonga".split(),
    },
    "TH": {
        "given": "Somchai Somsak Malee Niran Siriporn Anong Prasert Kanya Wichai Ratana "
        "Suda Chai Pranee Boonmee Thana Nok Arun".split(),
        "surname": "Srisuk Saetang Wongsa Chaiyaporn Boonyarat Thongdee Jaidee Rattanakorn "
        "Sukprasert Kittisak Phromma Intharat".split(),
        "towns": "Bangkok Chiangmai Khonkaen Hatyai Udon Phuket Korat Surat".split(),
    },
}
# Country weights: how many former participants each country has, roughly.
_COUNTRY_WEIGHTS = {"KE": 14, "UG": 12, "TZ": 12, "ET": 10, "NP": 10, "BD": 8, "VN": 8,
                    "GT": 6, "MW": 10, "TH": 6}  # fmt: skip

_ORG_KINDS = ("Water Board", "Water Trust", "Health Centre", "Health Clinic",
              "District Hospital", "Mission Hospital", "Teachers College", "Nursing College",
              "Youth Network", "Youth Forum", "Community Radio", "FM Radio",
              "Farmers Cooperative", "Dairy Cooperative", "Women's Association",
              "Women's League", "Red Cross", "Scouts", "Technical School", "Secondary School",
              "Municipal Council", "County Council", "Savings Bank", "Microfinance",
              "Disability Union", "Law Society", "Chamber of Commerce", "Newspaper",
              "Environment Trust", "Forestry Office", "Fisheries Office",
              "Music School")  # fmt: skip
_PLACE_STARTS = ("Ki", "Ma", "Nya", "Bu", "Ka", "Lo", "Mi", "Se", "Tu", "Ra")
_PLACE_ENDS = ("sumu", "ruti", "mbeni", "goma", "lenga", "wale", "tindi", "buye", "rongo", "sali")
_NORWAY = ("Bergen kommune", "Oslo universitetssykehus", "Norsk Folkehjelp", "NRK",
           "Stavanger Aftenblad", "Tromsø museum", "Norges Røde Kors", "Redd Barna",
           "Kirkens Nødhjelp", "Høgskulen på Vestlandet", "Fjellhaug",
           "Trondheim kommune")  # fmt: skip
_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "mail.org", "ymail.com")
_PROGRAMMES = ((1963, "Fredskorpset"), (2000, "FK Norway"), (2018, "Norec"))

# Other spellings of one name, as different transliterations and clerks wrote it.
_SPELLINGS = [
    {"mohammed", "muhammad", "mohamed", "mohammad"},
    {"hassan", "hasan"},
    {"yusuf", "yousef", "yusif"},
    {"ally", "ali", "aly"},
    {"omari", "omar"},
    {"abdallah", "abdullah"},
    {"hamisi", "hamis"},
    {"rashidi", "rashid"},
    {"fatuma", "fatma", "fatima"},
    {"zainab", "zaynab", "zeinab"},
    {"mariam", "maryam"},
    {"laxmi", "lakshmi"},
    {"dipak", "deepak"},
    {"nabin", "navin"},
    {"bikash", "vikash"},
    {"rahman", "rehman"},
    {"hossain", "hussain", "hosain"},
    {"uddin", "udin"},
    {"akter", "akhter", "aktar"},
    {"chowdhury", "choudhury"},
    {"habib", "habeeb"},
    {"fatema", "fatima"},
    {"rafiq", "rafik"},
    {"lemma", "lema"},
    {"tadesse", "tadese"},
    {"kebede", "kebbede"},
    {"gebre", "gebrie"},
    {"haile", "hailu"},
    {"wolde", "welde"},
    {"tefera", "teferra"},
    {"yohannes", "johannes"},
    {"ssempala", "sempala"},
    {"ssekandi", "sekandi"},
    {"otieno", "otyeno"},
    {"wanjiku", "wanjiko"},
    {"somchai", "somchay"},
    {"saetang", "sae tang"},
    {"boonmee", "bunmi"},
    {"srisuk", "srisukh"},
    {"chikondi", "chikhondi"},
    {"mphatso", "mpatso"},
]
_SPELLING_OF = {word: group for group in _SPELLINGS for word in group}
# The same names in their own script (anyascii turns them back into Latin letters).
_NATIVE = {
    "ram": "राम", "sita": "सीता", "krishna": "कृष्ण", "laxmi": "लक्ष्मी", "gurung": "गुरुङ",
    "shrestha": "श्रेष्ठ", "tamang": "तामाङ", "rai": "राई", "thapa": "थापा",
    "abebe": "አበበ", "tadesse": "ታደሰ", "lemma": "ለማ", "mulugeta": "ሙሉጌታ", "gebre": "ገብረ",
    "kebede": "ከበደ", "alemu": "አለሙ", "girma": "ግርማ",
}  # fmt: skip


@dataclass(frozen=True)
class ArchiveRow:
    row: int
    person: int  # the hidden truth: rows of one person share it
    first_name: str
    last_name: str
    country: str
    year: int
    organisations: str
    programme: str
    email: str
    date_of_birth: dt.date | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def record(self) -> Record:
        return Record(
            ref=self.row,
            name=self.name,
            country=self.country,
            year=self.year,
            emails=frozenset([self.email]) if self.email else frozenset(),
            organisations=self.organisations,
            programme=self.programme,
            date_of_birth=self.date_of_birth,
        )


@dataclass(frozen=True)
class ArchiveParameters:
    rows: int = 12_000
    seed: int = 17
    duplicate_share: float = 0.04
    zipf: float = 1.0  # how strongly the commonest names dominate (1: Zipf's law)
    email_share: float = 0.75  # people with an email in the archive
    birth_date_share: float = 0.35  # rows with a date of birth
    middle_name_share: float = 0.25  # people with a second given name

    def describe(self) -> str:
        return (
            f"{self.rows:,} rows, seed {self.seed}, {self.duplicate_share:.0%} second records "
            f"of the same person, Zipf exponent {self.zipf} over per-country name pools "
            f"({len(_POOLS)} countries), {self.email_share:.0%} with an email, "
            f"{self.birth_date_share:.0%} with a birth date, {self.middle_name_share:.0%} "
            "with a second given name"
        )


def _zipf_weights(n: int, exponent: float) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .replace("Đ", "D")
        .replace("đ", "d")
    )


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rnd.randrange(1, len(word) - 1)  # clerks rarely get the first letter wrong
    kind = rnd.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rnd.choice("aeioumnrstl") + word[i + 1 :]


def _respell(word: str, rnd: random.Random) -> str | None:
    plain = _strip_accents(word).lower()
    if plain in _NATIVE and rnd.random() < 0.5:
        return _NATIVE[plain]
    group = _SPELLING_OF.get(plain)
    if group:
        return rnd.choice(sorted(group - {plain})).title()
    if plain in _NATIVE:
        return _NATIVE[plain]
    return None


@dataclass
class _Person:
    id: int
    given: list[str]
    surname: str
    country: str
    year: int
    organisations: str
    programme: str
    email: str
    date_of_birth: dt.date


def _programme(year: int) -> str:
    return [name for start, name in _PROGRAMMES if year >= start][-1]


def _person(
    pid: int,
    rnd: random.Random,
    p: ArchiveParameters,
    orgs: dict[str, list[str]],
    taken: set[str],
    taken_orgs: set[tuple[tuple[str, str, str], str]],
) -> _Person:
    country = rnd.choices(list(_COUNTRY_WEIGHTS), weights=list(_COUNTRY_WEIGHTS.values()))[0]
    pool = _POOLS[country]
    given_w = _zipf_weights(len(pool["given"]), p.zipf)
    given = [rnd.choices(pool["given"], weights=given_w)[0]]
    if rnd.random() < p.middle_name_share:
        second = rnd.choices(pool["given"], weights=given_w)[0]
        if second != given[0]:
            given.append(second)
    surname = rnd.choices(pool["surname"], weights=_zipf_weights(len(pool["surname"]), p.zipf))[0]
    year = rnd.randint(1975, 2024)
    born = dt.date(year - rnd.randint(24, 45), rnd.randint(1, 12), rnd.randint(1, 28))
    email = ""
    if rnd.random() < p.email_share:
        first, last = _strip_accents(given[0]).lower(), _strip_accents(surname).lower()
        local = rnd.choice((
            f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{last}.{first}",
            f"{first}.{last}{rnd.randint(1, 99)}", f"{first}{rnd.randint(60, 99)}",
            f"{first[0]}.{last}{born.year % 100:02d}", f"{last}{first[0]}{rnd.randint(1, 9)}",
        ))  # fmt: skip
        email = f"{local.replace(' ', '')}@{rnd.choice(_DOMAINS)}"
        while email in taken:  # an address belongs to one person: the next namesake adds a number
            local, domain = email.rsplit("@", 1)
            email = f"{local}{rnd.randint(1, 9)}@{domain}"
        taken.add(email)
    # Namesakes (same first given name and surname) differ in their sending organisation
    # (one organisation did not send two people of one name); a large Norwegian host may
    # repeat.
    name_key = (given[0], surname, country)
    sending = rnd.choice(orgs[country])
    for _attempt in range(50):  # the commonest names may outnumber the organisations
        if (name_key, sending) not in taken_orgs:
            break
        sending = rnd.choice(orgs[country])
    taken_orgs.add((name_key, sending))
    return _Person(
        id=pid, given=given, surname=surname, country=country, year=year,
        organisations=f"{sending} / {rnd.choice(_NORWAY)}",
        programme=_programme(year), email=email, date_of_birth=born,
    )  # fmt: skip


def _second_record(person: _Person, rnd: random.Random, taken: set[str]) -> _Person:
    """The same person as another clerk recorded them: one to three changes to the name
    or the facts around it."""
    given, surname = list(person.given), person.surname
    year, email, orgs = person.year, person.email, person.organisations
    changes = rnd.sample(
        ("accents", "spelling", "swap", "drop", "typo", "domain", "no_email", "year", "org"),
        k=rnd.choice((1, 2, 2, 3)),
    )
    swapped = False
    for change in changes:
        if change == "accents":
            given = [_strip_accents(g) for g in given]
            surname = _strip_accents(surname)
            if given == person.given and surname == person.surname:
                surname = _typo(surname, rnd)
        elif change == "spelling":
            slots = [("g", i) for i in range(len(given))] + [("s", 0)]
            rnd.shuffle(slots)
            for kind, i in slots:
                word = given[i] if kind == "g" else surname
                other = _respell(word, rnd)
                if other:
                    if kind == "g":
                        given[i] = other
                    else:
                        surname = other
                    break
            else:
                surname = _typo(surname, rnd)
        elif change == "swap":
            swapped = True
        elif change == "drop" and len(given) > 1:
            given.pop(rnd.randrange(len(given)))
        elif change in ("typo", "drop"):
            if rnd.random() < 0.5:
                surname = _typo(surname, rnd)
            else:
                given[0] = _typo(given[0], rnd)
        elif change == "domain" and email:
            local, domain = email.rsplit("@", 1)
            others = [f"{local}@{d}" for d in _DOMAINS if f"{local}@{d}" not in taken]
            if others:
                email = rnd.choice(others)
                taken.add(email)
        elif change == "no_email":
            email = ""
        elif change == "year":
            year += rnd.choice((-1, 1, -1, 1, 2))
        elif change == "org":
            orgs = orgs.split(" / ")[rnd.randrange(2)]
    first, last = " ".join(given), surname
    if swapped:
        first, last = last, first
    return _Person(
        id=person.id, given=[first], surname=last, country=person.country, year=year,
        organisations=orgs, programme=_programme(year), email=email,
        date_of_birth=person.date_of_birth,
    )  # fmt: skip


def generate(parameters: ArchiveParameters | None = None) -> list[ArchiveRow]:
    """The archive's rows in file order; the same parameters always give the same rows."""
    p = parameters or ArchiveParameters()
    rnd = random.Random(p.seed)  # noqa: S311 - a reproducible sample, not a secret
    # Besides the big towns, many small places: an archive of 120,000 still has far more
    # organisations than the commonest name has namesakes.
    places = [f"{a}{b}" for a in _PLACE_STARTS for b in _PLACE_ENDS]
    orgs = {
        country: [f"{town} {kind}" for town in [*pool["towns"], *places] for kind in _ORG_KINDS]
        for country, pool in _POOLS.items()
    }
    second = round(p.rows * p.duplicate_share)
    taken: set[str] = set()
    taken_orgs: set[tuple[tuple[str, str, str], str]] = set()
    people = [_person(pid, rnd, p, orgs, taken, taken_orgs) for pid in range(p.rows - second)]
    copies = [_second_record(person, rnd, taken) for person in rnd.sample(people, second)]
    everyone = people + copies
    rnd.shuffle(everyone)
    rows = []
    for number, person in enumerate(everyone, start=2):  # row 1 holds the titles
        rows.append(
            ArchiveRow(
                row=number,
                person=person.id,
                first_name=" ".join(person.given),
                last_name=person.surname,
                country=person.country,
                year=person.year,
                organisations=person.organisations,
                programme=person.programme,
                email=person.email,
                date_of_birth=person.date_of_birth if rnd.random() < p.birth_date_share else None,
            )  # fmt: skip
        )
    return rows


# --- Measuring a matcher against the truth ------------------------------------------------


@dataclass(frozen=True)
class Quality:
    proposed: int
    real: int  # real duplicate pairs in the archive
    found: int  # real pairs among the proposed
    first_500_real: int
    first_500: int

    @property
    def precision(self) -> float:
        return self.found / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.real if self.real else 1.0

    @property
    def first_500_share(self) -> float:
        return self.first_500_real / self.first_500 if self.first_500 else 1.0


def real_pairs(rows: Iterable[ArchiveRow]) -> set[frozenset[int]]:
    by_person: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_person[row.person].append(row.row)
    return {
        frozenset((a, b))
        for refs in by_person.values()
        for i, a in enumerate(refs)
        for b in refs[i + 1 :]
    }


def measure(rows: list[ArchiveRow], ranked: list[tuple[int, int]]) -> Quality:
    """``ranked``: the proposed pairs of row numbers, most confident first."""
    truth = real_pairs(rows)
    hits = [frozenset(pair) in truth for pair in ranked]
    top = hits[:500]
    return Quality(proposed=len(ranked), real=len(truth), found=sum(hits),
                   first_500_real=sum(top), first_500=len(top))  # fmt: skip


def same_name_and_country(rows: list[ArchiveRow]) -> list[tuple[int, int]]:
    """The old rule, for comparison: every two rows with the same name and country."""
    from .names import fold

    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        groups[(fold(row.name), row.country)].append(row.row)
    return [(a, b) for refs in groups.values() for i, a in enumerate(refs) for b in refs[i + 1 :]]
