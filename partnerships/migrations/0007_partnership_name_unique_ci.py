"""Partnership names unique whatever their case.

Names that differ only in case could be saved before (the admin and the services checked,
the database did not). Adding the constraint over such rows would fail the migration, so
the data step first renames every clash but the oldest with a visible suffix
(" (2)", " (3)", ...) and prints what it renamed: staff can then choose better names,
and no row is lost or merged behind their back.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def rename_clashes(apps, schema_editor):
    Partnership = apps.get_model("partnerships", "Partnership")
    taken = {name.lower() for name in Partnership.objects.values_list("name", flat=True)}
    seen: set[str] = set()
    for partnership in Partnership.objects.order_by("created_at", "pk").only("pk", "name"):
        key = partnership.name.lower()
        if key not in seen:
            seen.add(key)
            continue
        number = 2
        while True:
            suffix = f" ({number})"
            candidate = partnership.name[: 200 - len(suffix)] + suffix
            if candidate.lower() not in taken:
                break
            number += 1
        print(f"\n  Partnership {partnership.pk}: “{partnership.name}” renamed “{candidate}”")
        taken.add(candidate.lower())
        seen.add(candidate.lower())
        Partnership.objects.filter(pk=partnership.pk).update(name=candidate)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0006_person_birth_idx"),
    ]

    operations = [
        migrations.RunPython(rename_clashes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="partnership",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.UniqueConstraint(
                Lower("name"),
                name="partnership_name_unique_ci",
                violation_error_message="A partnership with this name already exists.",
            ),
        ),
    ]
