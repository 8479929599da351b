from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0015_center_hierarchy_quotas"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingEnqueue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task_id", models.CharField(max_length=64, unique=True, verbose_name="任务编号")),
                ("task_path", models.CharField(max_length=300, verbose_name="任务")),
                ("args", models.JSONField(default=list, verbose_name="位置参数")),
                ("kwargs", models.JSONField(default=dict, verbose_name="关键字参数")),
                ("priority", models.IntegerField(blank=True, null=True, verbose_name="优先级")),
                ("run_after", models.DateTimeField(blank=True, null=True, verbose_name="最早执行时间")),
                ("record", models.JSONField(default=dict, verbose_name="任务记录")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
            ],
            options={"verbose_name": "待入队任务", "verbose_name_plural": "待入队任务", "ordering": ["id"]},
        ),
    ]
