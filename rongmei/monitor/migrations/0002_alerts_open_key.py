"""Alerts part: the key repeats of one event fold into, unique per center (concurrent ingests
raising the same event end in one alert)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitor", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="open_key",
            field=models.CharField(blank=True, editable=False, max_length=150, null=True),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(fields=("center", "open_key"), name="monitor_alert_unique_open_key"),
        ),
    ]
