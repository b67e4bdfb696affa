"""The three venues Norec normally uses for training weeks."""

from django.db import migrations

VENUES = [
    {
        "name": "Bangkok",
        "city": "Bangkok",
        "country": "TH",
        "time_zone": "Asia/Bangkok",
        "address": "Norec training venue\nSukhumvit area\nBangkok 10110\nThailand",
        "practical_information": (
            "Fly into Suvarnabhumi Airport (BKK). A driver meets arrivals on Sunday morning; "
            "send your flight details to Norec at least two weeks ahead.\n"
            "Rooms are booked for you from Sunday to Saturday, with breakfast, lunch and "
            "dinner included.\n"
            "Bring a laptop, your passport and travel insurance documents. Light clothing "
            "for the heat, and a jacket for air-conditioned rooms."
        ),
    },
    {
        "name": "Johannesburg",
        "city": "Johannesburg",
        "country": "ZA",
        "time_zone": "Africa/Johannesburg",
        "address": "Norec training venue\nRosebank\nJohannesburg 2196\nSouth Africa",
        "practical_information": (
            "Fly into O. R. Tambo International Airport (JNB). A shuttle meets arrivals on "
            "Sunday morning; send your flight details to Norec at least two weeks ahead.\n"
            "Rooms are booked for you from Sunday to Saturday, with all meals included.\n"
            "Evenings can be cold from May to August: bring warm clothes. Use the venue's "
            "transport after dark."
        ),
    },
    {
        "name": "Kampala",
        "city": "Kampala",
        "country": "UG",
        "time_zone": "Africa/Kampala",
        "address": "Norec training venue\nKololo\nKampala\nUganda",
        "practical_information": (
            "Fly into Entebbe International Airport (EBB), about an hour from Kampala. A "
            "driver meets arrivals on Sunday morning; send your flight details to Norec at "
            "least two weeks ahead.\n"
            "Rooms are booked for you from Sunday to Saturday, with all meals included.\n"
            "A yellow fever vaccination certificate is required to enter Uganda."
        ),
    },
]


def add_venues(apps, schema_editor):
    Venue = apps.get_model("trainings", "Venue")
    for data in VENUES:
        if not Venue.objects.filter(name__iexact=data["name"]).exists():
            Venue.objects.create(**data)


def remove_venues(apps, schema_editor):
    Venue = apps.get_model("trainings", "Venue")
    Venue.objects.filter(name__in=[v["name"] for v in VENUES], weeks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial")]

    operations = [migrations.RunPython(add_venues, remove_venues)]
