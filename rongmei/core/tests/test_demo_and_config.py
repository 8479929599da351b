import subprocess
import sys

from rongmei import config
from rongmei.core.demo import load_demo
from rongmei.core.models import Area, Center, Department, Membership, OrgUnit, User


def test_demo_data_has_what_the_issue_names(demo):
    center = demo["demo"]
    assert center.name == "示例县融媒体中心"
    assert {"融媒编发部", "媒体采集部", "品牌运维部", "用户运维部"} <= set(OrgUnit.objects.filter(center=center).values_list("name", flat=True))
    assert Department.objects.filter(center=center).count() >= 12
    assert Area.objects.filter(center=center, parent=None).count() >= 5
    assert Area.objects.filter(center=center).exclude(parent=None).count() >= 15
    for username in ["admin", "reporter", "editor", "reviewer1", "reviewer2", "reviewer3", "proofreader",
                     "operator", "analyst", "coordinator", "liaison", "appraiser"]:
        user = User.objects.get(username=username)
        assert user.check_password("rongmei-demo") and user.is_demo
    liaison = Membership.objects.get(user__username="liaison", role="liaison")
    assert liaison.department is not None


def test_loading_demo_twice_changes_nothing_and_loses_nothing(demo):
    editor = User.objects.get(username="editor")
    editor.display_name = "李娜（已改名）"
    editor.save()
    counts = [m.objects.count() for m in (Center, OrgUnit, Department, Area, User, Membership)]
    summary = load_demo()
    assert summary["created"] == 0
    assert [m.objects.count() for m in (Center, OrgUnit, Department, Area, User, Membership)] == counts
    assert User.objects.get(username="editor").display_name == "李娜（已改名）"


def test_config_names_each_bad_setting():
    cfg = config.load({
        "DATABASE_URL": "mysql://x/y", "REDIS_URL": "http://nope", "PORT": "eighty", "DEBUG": "maybe",
        "SECRET_KEY": "short", "LOG_LEVEL": "LOUD", "TIME_ZONE": "Mars/Base", "MEDIA_STORAGE": "ftp",
        "RONGMEI_VAR_DIR": "/tmp/rongmei-config-test",
    })
    named = {p.setting for p in cfg.problems}
    assert named == {"DATABASE_URL", "REDIS_URL", "PORT", "DEBUG", "SECRET_KEY", "LOG_LEVEL", "TIME_ZONE", "MEDIA_STORAGE"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in cfg.problems)


def test_config_defaults_are_the_embedded_mode(tmp_path):
    cfg = config.load({"RONGMEI_VAR_DIR": str(tmp_path)})
    assert cfg.problems == []
    assert cfg.database_url.startswith("sqlite:///") and cfg.redis_url is None
    assert (tmp_path / "secret_key").exists() and len(cfg.secret_key) >= 40
    assert config.load({"RONGMEI_VAR_DIR": str(tmp_path)}).secret_key == cfg.secret_key


def _run(args, env):
    return subprocess.run([sys.executable, "-m", "rongmei", *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_command_and_startup_name_the_bad_setting(tmp_path):
    import os

    env = {**os.environ, "RONGMEI_VAR_DIR": str(tmp_path), "PORT": "99999", "DATABASE_URL": "oracle://db"}
    result = _run(["check"], env)
    assert result.returncode == 1
    assert "PORT" in result.stdout and "超出范围" in result.stdout
    assert "DATABASE_URL" in result.stdout and "不支持的数据库类型" in result.stdout
    started = _run(["migrate"], env)
    assert started.returncode == 2
    assert "PORT" in started.stderr and "Traceback" not in started.stderr


def test_check_command_passes_on_a_good_setup(tmp_path):
    import os

    env = {**os.environ, "RONGMEI_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    assert _run(["migrate", "-v", "0"], env).returncode == 0
    result = _run(["check"], env)
    assert result.returncode == 0, result.stdout
    assert "✓ 数据库可访问" in result.stdout
    assert "任务消费者未运行" in result.stdout
