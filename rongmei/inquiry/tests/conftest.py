import pytest

from rongmei.core.models import Department, User
from rongmei.inquiry import services
from rongmei.inquiry.services import Submission


@pytest.fixture
def people(demo):
    return {u.username: u for u in User.objects.filter(username__in=["coordinator", "liaison", "admin", "reporter"])}


@pytest.fixture
def housing(demo):
    return Department.objects.get(center=demo["demo"], name="示例县住房和城乡建设局")


@pytest.fixture
def make_case(demo):
    def make(kind="complain", title="城关镇东门社区路灯不亮", text="东门社区幸福路从上周开始有五盏路灯晚上不亮，行人很不方便。",
             phone="13812341234", **extra):
        return services.submit(center=demo["demo"], sub=Submission(kind=kind, title=title, text=text, phone=phone, **extra))
    return make
