import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rongmei.core import services
from rongmei.core.models import Center


class Command(BaseCommand):
    help = "新建一个融媒体中心，并为它创建第一位中心管理员。"

    def add_arguments(self, parser):
        parser.add_argument("slug", help="中心标识，如 fenghua")
        parser.add_argument("name", help="中心名称，如 奉化区融媒体中心")
        parser.add_argument("--region", default="", help="行政区域")
        parser.add_argument("--level", choices=[c.value for c in Center.Level], default=Center.Level.COUNTY,
                            help="层级：province（省）、city（市）、county（县，默认）")
        parser.add_argument("--parent", default="", help="上级中心的标识（县、市中心可填；省级中心不填）")
        parser.add_argument("--admin", required=True, help="中心管理员的用户名")
        parser.add_argument("--admin-name", default="", help="中心管理员姓名")
        parser.add_argument("--password", help="管理员初始密码（不填则交互输入）")

    def handle(self, *args, slug, name, region, level, parent, admin, admin_name, password, **options):
        parent_center = None
        if parent:
            parent_center = Center.objects.filter(slug=parent).first()
            if parent_center is None:
                raise CommandError(f"未创建任何内容：找不到标识为“{parent}”的上级中心。")
        if password is None:
            password = getpass.getpass("管理员初始密码：")
        try:
            with transaction.atomic():
                center = services.create_center(name=name, slug=slug, region=region, level=level, parent=parent_center)
                services.create_person(center=center, username=admin, display_name=admin_name or admin,
                                       password=password, roles=["center_admin"], actor=None,
                                       must_change_password=True)
        except ValidationError as exc:
            messages = []
            for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                messages.extend(f"{field}：{e}" if field else e for e in errors)
            raise CommandError("未创建任何内容：\n  " + "\n  ".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建“{center.name}”（{center.slug}），管理员 {admin}。"))
