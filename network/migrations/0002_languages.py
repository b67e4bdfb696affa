"""The languages members can choose from (staff can add more in the admin)."""

from django.db import migrations

LANGUAGES = [
    ("af", "Afrikaans"), ("am", "Amharic"), ("ar", "Arabic"), ("bn", "Bengali"),
    ("my", "Burmese"), ("zh", "Chinese"), ("da", "Danish"), ("nl", "Dutch"),
    ("en", "English"), ("fr", "French"), ("de", "German"), ("gu", "Gujarati"),
    ("ha", "Hausa"), ("hi", "Hindi"), ("ig", "Igbo"), ("id", "Indonesian"),
    ("it", "Italian"), ("ja", "Japanese"), ("km", "Khmer"), ("rw", "Kinyarwanda"),
    ("ko", "Korean"), ("lo", "Lao"), ("ln", "Lingala"), ("lg", "Luganda"),
    ("luo", "Luo (Dholuo)"), ("mg", "Malagasy"), ("ms", "Malay"), ("mr", "Marathi"),
    ("mn", "Mongolian"), ("ne", "Nepali"), ("no", "Norwegian"), ("ny", "Nyanja (Chichewa)"),
    ("om", "Oromo"), ("ps", "Pashto"), ("fa", "Persian"), ("pt", "Portuguese"),
    ("pa", "Punjabi"), ("qu", "Quechua"), ("ru", "Russian"), ("sn", "Shona"),
    ("si", "Sinhala"), ("so", "Somali"), ("st", "Sotho"), ("es", "Spanish"),
    ("sw", "Swahili"), ("sv", "Swedish"), ("tl", "Tagalog (Filipino)"), ("ta", "Tamil"),
    ("te", "Telugu"), ("th", "Thai"), ("ti", "Tigrinya"), ("tn", "Tswana"),
    ("tr", "Turkish"), ("ur", "Urdu"), ("vi", "Vietnamese"), ("wo", "Wolof"),
    ("xh", "Xhosa"), ("yo", "Yoruba"), ("zu", "Zulu"), ("sgn", "Sign language"),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("network", "Language")
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(add_languages, migrations.RunPython.noop)]
