"""Review demo data: a small illustrative lexicon, wording pairs and the officials list."""

from importlib import resources

from rongmei.core.models import Center
from rongmei.review import services
from rongmei.review.models import CheckList

FILES = {CheckList.Kind.SENSITIVE: "sensitive.csv", CheckList.Kind.WORDING: "wording.csv",
         CheckList.Kind.OFFICIALS: "officials.csv"}


def load(center: Center) -> tuple[int, int]:
    created = existing = 0
    for kind, name in FILES.items():
        if CheckList.objects.filter(center=center, kind=kind).exclude(content="").exists():
            existing += 1
            continue
        data = resources.files("rongmei.review.checks.demo").joinpath(name).read_bytes()
        services.import_list(center=center, kind=kind, data=data, user=None)
        created += 1
    return created, existing
