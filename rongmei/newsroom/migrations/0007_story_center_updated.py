from django.db import migrations, models


class Migration(migrations.Migration):
    """The story list's order within a center as an index (see bench/province.py)."""

    dependencies = [
        ("newsroom", "0006_video_jobs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="story",
            index=models.Index(fields=["center", "-updated_at", "-id"], name="story_center_updated"),
        ),
    ]
