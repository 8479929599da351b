"""rongmei build-site [slug ...]: render every public page of the centers (all by default)."""

from django.core.management.base import BaseCommand, CommandError

from rongmei.core.models import Center


class Command(BaseCommand):
    help = "重新生成网站静态页面（首页、栏目、稿件、专题、直播、服务、订阅源和网站地图）。"

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="中心标识；不填则生成所有启用的中心")

    def handle(self, *slugs, **options):
        from rongmei.portal.publishing import build_site, docroot

        centers = Center.objects.filter(is_active=True)
        if slugs:
            centers = centers.filter(slug__in=slugs)
            missing = set(slugs) - set(centers.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"没有这些中心：{'、'.join(sorted(missing))}")
        for center in centers:
            written = build_site(center)
            self.stdout.write(f"{center.name}：生成 {len(written)} 个文件 → {docroot(center)}")
