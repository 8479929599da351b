"""The layout desk's typesetting package, copied to real SFTP (asyncssh) and FTP (pyftpdlib)
servers on loopback."""

import asyncio
import datetime as dt
import functools
import json
import logging
import socket
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncssh
import pytest
from django.utils import timezone
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from rongmei.distribution import outbox, services
from rongmei.distribution.models import OutboxMessage, Publication
from rongmei.testing.live import free_port

USER, PASSWORD = "desk", "s3cret:pw"  # a colon in the password must survive "user:password"


class _DeskServer(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return username == USER and password == PASSWORD


class Sftp:
    """An SFTP server in its own thread and event loop, rooted at `root`."""

    def __init__(self, root: Path):
        self.root = root
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._run(self._start())

    async def _start(self):
        return await asyncssh.create_server(
            _DeskServer, "127.0.0.1", self.port, server_host_keys=[self.host_key],
            sftp_factory=functools.partial(asyncssh.SFTPServer, chroot=str(self.root)))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    @property
    def public_key(self) -> str:
        return self.host_key.export_public_key("openssh").decode().strip()

    def url(self, path="/desk") -> str:
        return f"sftp://127.0.0.1:{self.port}{path}"

    async def _stop(self):
        self.server.close()
        await self.server.wait_closed()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]  # open sessions
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def close(self):
        self._run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Ftp:
    """An FTP server in its own thread, rooted at `root`. `stor_answer` makes every upload
    refused with that reply (e.g. "452 ..." for a full disk)."""

    def __init__(self, root: Path):
        self.root = root
        self.stor_answer = ""
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")
        server = self

        class DeskHandler(FTPHandler):
            auth_failed_timeout = 0  # answer a wrong password at once

            def ftp_STOR(self, file, mode="w"):
                if server.stor_answer:
                    return self.respond(server.stor_answer)
                return super().ftp_STOR(file, mode)

        DeskHandler.authorizer = authorizer
        handler = DeskHandler
        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
        self.port = free_port()
        self.server = FTPServer(("127.0.0.1", self.port), handler)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            self.server.serve_forever(timeout=0.05, blocking=False)

    def url(self, path="/desk") -> str:
        return f"ftp://127.0.0.1:{self.port}{path}"

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.server.close_all()


@pytest.fixture
def sftp(tmp_path):
    (tmp_path / "sftp" / "desk").mkdir(parents=True)
    server = Sftp(tmp_path / "sftp")
    yield server
    server.close()


@pytest.fixture
def ftp(tmp_path):
    (tmp_path / "ftp" / "desk").mkdir(parents=True)
    server = Ftp(tmp_path / "ftp")
    yield server
    server.close()


def deliver_all():
    for message in outbox.claim("w", limit=10):
        outbox.process(message, "w")


def newspaper_account(demo, url, name="市报排版", secret=f"{USER}:{PASSWORD}", **options):
    return services.create_account(center=demo["demo"], user=None, kind="newspaper", name=name, base_url=url,
                                   secret=secret, options=options)


def publish(demo, operator, story, url, **options):
    account = newspaper_account(demo, url, **options)
    services.publish(story=story, user=operator, account_ids=[account.pk])
    deliver_all()
    return Publication.objects.get(account=account)


def folders(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def assert_complete_package(folder: Path):
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = {f["name"] for f in manifest["files"]}
    assert {p.name for p in folder.iterdir()} == listed | {"manifest.json"}
    assert any(n.endswith(".docx") for n in listed) and any(n.endswith(".xml") for n in listed)
    return manifest


def shanghai_today() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def last_detail(publication) -> str:
    return OutboxMessage.objects.filter(publication=publication).order_by("-id").first().attempts_log.last().detail


def redeliver_as_if_crashed(publication):
    """Put the publish back as a worker leaves it that died after uploading, before recording."""
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.SENDING, sent_at=None, remote_id="")
    OutboxMessage.objects.filter(publication=publication, action=OutboxMessage.Action.PUBLISH).update(
        status=OutboxMessage.Status.PENDING, in_flight=True, lease_owner="", lease_until=None,
        available_at=timezone.now())
    deliver_all()
    publication.refresh_from_db()


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


# --- delivering ------------------------------------------------------------------------------------

def test_package_lands_in_its_folder_over_sftp(demo, operator, signed_story, sftp):
    publication = publish(demo, operator, signed_story, sftp.url(), host_key=sftp.public_key)
    assert publication.status == Publication.Status.SENT, publication.last_error
    desk, stem = sftp.root / "desk", f"demo-story-{signed_story.pk}"
    assert folders(desk) == [stem]  # and no partial folder left behind
    manifest = assert_complete_package(desk / stem)
    assert [f["role"] for f in manifest["files"]].count("picture") == 1  # the story's photo travels too
    assert publication.remote_id == f"/desk/{stem}"
    assert last_detail(publication) == f"已上传 {len(manifest['files']) + 1} 个文件到 /desk/{stem}"


def test_package_lands_in_a_date_folder_over_ftp(demo, operator, signed_story, ftp):
    before = shanghai_today()
    publication = publish(demo, operator, signed_story, ftp.url(), subdir_by_date=True)
    assert publication.status == Publication.Status.SENT, publication.last_error
    day = publication.remote_id.split("/")[2]
    assert day in {before, shanghai_today()}
    assert folders(ftp.root / "desk") == [day]
    stem = f"demo-story-{signed_story.pk}"
    assert folders(ftp.root / "desk" / day) == [stem]
    assert_complete_package(ftp.root / "desk" / day / stem)


def test_host_key_may_be_given_as_a_fingerprint(demo, operator, signed_story, sftp):
    fingerprint = sftp.host_key.get_fingerprint("sha256")  # "SHA256:…", as ssh-keygen -lf shows it
    publication = publish(demo, operator, signed_story, sftp.url(), host_key=fingerprint)
    assert publication.status == Publication.Status.SENT, publication.last_error


def test_takedown_sends_a_notice_package(demo, operator, signed_story, sftp):
    publication = publish(demo, operator, signed_story, sftp.url())
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    deliver_all()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.TAKEN_DOWN, publication.last_error
    desk, stem = sftp.root / "desk", f"demo-story-{signed_story.pk}"
    assert folders(desk) == [stem, f"{stem}-takedown"]
    assert assert_complete_package(desk / f"{stem}-takedown")["kind"] == "takedown"
    assert "撤稿" in (desk / f"{stem}-takedown" / f"{stem}-takedown.xml").read_text("utf-8")


# --- asking again ----------------------------------------------------------------------------------

def test_recovering_delivery_finds_the_package_and_uploads_nothing(demo, operator, signed_story, ftp):
    publication = publish(demo, operator, signed_story, ftp.url())
    desk, stem = ftp.root / "desk", f"demo-story-{signed_story.pk}"
    before = stamps(desk / stem)
    redeliver_as_if_crashed(publication)
    assert publication.status == Publication.Status.SENT, publication.last_error
    assert folders(desk) == [stem] and stamps(desk / stem) == before
    assert "未重复上传" in last_detail(publication)


def test_stale_partial_folder_is_replaced(demo, operator, signed_story, sftp):
    account = newspaper_account(demo, sftp.url())
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    message = OutboxMessage.objects.get(account=account)
    desk, stem = sftp.root / "desk", f"demo-story-{signed_story.pk}"
    partial = desk / f".{stem}.partial-{message.idempotency_key}"
    partial.mkdir()
    (partial / f"{stem}.docx").write_bytes(b"half")
    OutboxMessage.objects.filter(pk=message.pk).update(in_flight=True)  # a worker died mid-upload
    deliver_all()
    assert Publication.objects.get(account=account).status == Publication.Status.SENT
    assert folders(desk) == [stem]
    assert (desk / stem / f"{stem}.docx").read_bytes() != b"half"


def test_another_package_in_the_way_is_never_replaced(demo, operator, signed_story, sftp):
    desk, stem = sftp.root / "desk", f"demo-story-{signed_story.pk}"
    (desk / stem).mkdir()
    (desk / stem / "manifest.json").write_text('{"version": 0}')
    publication = publish(demo, operator, signed_story, sftp.url())
    assert publication.status == Publication.Status.SENT, publication.last_error
    renamed = f"{stem}-v{publication.story_version}"
    assert folders(desk) == [stem, renamed]
    assert (desk / stem / "manifest.json").read_text() == '{"version": 0}'
    assert_complete_package(desk / renamed)
    assert publication.remote_id == f"/desk/{renamed}"


# --- what goes wrong ------------------------------------------------------------------------------

def test_wrong_password_fails_at_once(demo, operator, signed_story, sftp, ftp):
    for server, name in ((sftp, "SFTP"), (ftp, "FTP")):
        account = newspaper_account(demo, server.url(), name=f"{name} 密码错", secret=f"{USER}:wrong")
        services.publish(story=signed_story, user=operator, account_ids=[account.pk])
        deliver_all()
        publication = Publication.objects.get(account=account)
        assert publication.status == Publication.Status.FAILED
        assert f"{name} 登录失败" in publication.last_error and "密码" in publication.last_error


@pytest.mark.parametrize(("answer", "status"), [("452 Insufficient storage space", Publication.Status.RETRYING),
                                              ("553 File name not allowed", Publication.Status.FAILED)])
def test_ftp_refusing_an_upload_retries_on_4xx_and_fails_on_5xx(demo, operator, signed_story, ftp, answer, status):
    ftp.stor_answer = answer
    publication = publish(demo, operator, signed_story, ftp.url())
    assert publication.status == status
    assert "FTP 服务器" in publication.last_error and answer[:3] in publication.last_error


@pytest.mark.parametrize("scheme", ["sftp", "ftp"])
def test_unreachable_server_is_retried(demo, operator, signed_story, scheme):
    publication = publish(demo, operator, signed_story, f"{scheme}://127.0.0.1:{free_port()}/desk")
    assert publication.status == Publication.Status.RETRYING
    assert f"连接 {scheme.upper()} 服务器失败" in publication.last_error


def test_silent_server_times_out_and_is_retried(demo, operator, signed_story, monkeypatch):
    from rongmei.distribution.adapters import newspaper

    monkeypatch.setattr(newspaper, "TIMEOUT", 0.5)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never says a word
        publication = publish(demo, operator, signed_story, f"sftp://127.0.0.1:{silent.getsockname()[1]}/desk")
    assert publication.status == Publication.Status.RETRYING
    assert "连接 SFTP 服务器失败" in publication.last_error


def test_host_key_mismatch_fails(demo, operator, signed_story, sftp):
    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    publication = publish(demo, operator, signed_story, sftp.url(), host_key=impostor)
    assert publication.status == Publication.Status.FAILED
    assert "主机密钥" in publication.last_error and "不一致" in publication.last_error
    assert folders(sftp.root / "desk") == []


def test_missing_remote_folder_fails(demo, operator, signed_story, sftp, ftp):
    for server in (sftp, ftp):
        account = newspaper_account(demo, server.url("/no-such-folder"), name=f"目录错 {server.port}")
        services.publish(story=signed_story, user=operator, account_ids=[account.pk])
        deliver_all()
        publication = Publication.objects.get(account=account)
        assert publication.status == Publication.Status.FAILED
        assert "远程目录 /no-such-folder 不存在" in publication.last_error
