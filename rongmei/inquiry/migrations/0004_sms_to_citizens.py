# Issue 17: SMS to citizens (templates per center, opt-out on the case, the record of each SMS).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_search_fts_automerge'),
        ('inquiry', '0003_holiday_year'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='sms_opt_out',
            field=models.BooleanField(default=False, verbose_name='不接收短信'),
        ),
        migrations.AddField(
            model_name='case',
            name='sms_opt_out_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='退订短信时间'),
        ),
        migrations.CreateModel(
            name='CaseSms',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.CharField(choices=[('accepted', '已受理'), ('answered', '已答复'), ('closed', '已办结')], max_length=12)),
                ('key', models.CharField(max_length=120, unique=True)),
                ('phone_hash', models.CharField(db_index=True, max_length=64)),
                ('status', models.CharField(choices=[('queued', '已交发送'), ('opted_out', '群众已退订'), ('limited', '超过当日条数上限'), ('not_mobile', '不是手机号码'), ('no_channel', '未配置短信通道')], max_length=12)),
                ('delivery_id', models.PositiveBigIntegerField(blank=True, null=True)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sms', to='inquiry.case')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='SmsSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('enabled', models.BooleanField(default=False, verbose_name='向群众发送短信')),
                ('sign_name', models.CharField(blank=True, help_text='在短信服务商处审核通过的签名，如：示例县融媒体中心', max_length=40, verbose_name='短信签名')),
                ('daily_limit', models.PositiveSmallIntegerField(default=5, help_text='条；超过的不再发送（记在办件时间线上）', verbose_name='每个号码每天最多')),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.center', verbose_name='所属中心')),
            ],
            options={
                'verbose_name': '问政短信设置',
                'verbose_name_plural': '问政短信设置',
                'constraints': [models.UniqueConstraint(fields=('center',), name='smssetting_one_per_center')],
            },
        ),
        migrations.CreateModel(
            name='SmsTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.CharField(choices=[('accepted', '已受理'), ('answered', '已答复'), ('closed', '已办结')], max_length=12, verbose_name='时机')),
                ('template_code', models.CharField(help_text='服务商分配的模板编号，如 SMS_480100001', max_length=40, verbose_name='模板 CODE')),
                ('params', models.JSONField(blank=True, default=dict, help_text='模板变量名 → 取值来源', verbose_name='模板变量')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.center', verbose_name='所属中心')),
            ],
            options={
                'verbose_name': '问政短信模板',
                'verbose_name_plural': '问政短信模板',
                'ordering': ['event'],
                'constraints': [models.UniqueConstraint(fields=('center', 'event'), name='smstemplate_one_per_event')],
            },
        ),
    ]
