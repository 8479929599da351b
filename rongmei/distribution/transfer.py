"""Putting files into a remote folder over SFTP (paramiko) or FTP (ftplib).

`connect(url, credentials, host_key=...)` opens the server named by an `sftp://` or `ftp://`
URL and gives a `RemoteFolder`: a few path operations (is it a folder, read, write, make a
folder, rename, remove a folder of files) that behave the same on both protocols, so the
adapters decide what to do and this module only knows how.

Every failure comes out as a `TransferError` with a Chinese message for the operator and
`permanent` telling whether trying again could help: a wrong password, a refused
permission, a missing path, a host key that does not match or an FTP 5xx answer will not
pass by themselves (the account must be fixed); a refused or dropped connection, a
timeout or an FTP 4xx answer may.

SFTP host keys: `host_key` is the server's public key as OpenSSH prints it
("ssh-ed25519 AAAA…", from `ssh-keyscan` or the server's `/etc/ssh/ssh_host_*_key.pub`) or
its fingerprint ("SHA256:…", as `ssh-keygen -lf` shows it). When it is empty any key is
accepted: fine on a trusted local network, but an on-premise desk should register its key
so that a replaced or impersonated server is refused rather than sent the copy.
"""

from __future__ import annotations

import base64
import binascii
import ftplib
import hashlib
import io
import posixpath
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import unquote, urlparse

import paramiko

TIMEOUT = 20
SCHEMES = ("sftp", "ftp")
DEFAULT_PORTS = {"sftp": 22, "ftp": 21}
# The host key algorithms to ask for when the registered key is of a given type, so the
# server presents that key and not another of its keys.
_KEY_ALGORITHMS = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256"),
    "ssh-ed25519": ("ssh-ed25519",),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
}


class TransferError(Exception):
    """A failure the operator can read; `permanent` when retrying will not help."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class RemoteFolder(Protocol):
    """What the adapters use. Paths are POSIX paths on the server."""

    base: str  # the folder named by the URL (the login folder when the URL has no path)

    def is_dir(self, path: str) -> bool: ...
    def read(self, path: str) -> bytes | None: ...  # None when there is no such file
    def mkdir(self, path: str) -> None: ...
    def write(self, path: str, data: bytes) -> None: ...
    def rename(self, old: str, new: str) -> None: ...
    def remove_folder(self, path: str) -> None: ...  # a folder holding only files


def check_url(url: str) -> str:
    """The problem with a transfer URL, in Chinese, or "" when it is usable."""
    parsed = urlparse(url or "")
    if parsed.scheme not in SCHEMES or not parsed.hostname:
        return "服务器地址无效，应为 sftp://主机:端口/远程目录 或 ftp://主机:端口/远程目录。"
    try:
        parsed.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "服务器地址里的端口无效。"
    return ""


@contextmanager
def connect(url: str, credentials: str, *, host_key: str = "", timeout: float = TIMEOUT) -> Iterator[RemoteFolder]:
    """Log in to the server of `url` ("user:password" credentials) and yield its folder."""
    problem = check_url(url)
    if problem:
        raise TransferError(problem, permanent=True)
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or DEFAULT_PORTS[parsed.scheme]
    user, _, password = credentials.partition(":")
    path = unquote(parsed.path).rstrip("/") or ("/" if parsed.path else "")
    opener = _open_sftp if parsed.scheme == "sftp" else _open_ftp
    with opener(host, port, user, password, path, host_key.strip(), timeout) as folder:
        yield folder


# --------------------------------------------------------------------------------- SFTP


@contextmanager
def _sftp_errors(what: str) -> Iterator[None]:
    try:
        yield
    except TransferError:
        raise
    except paramiko.AuthenticationException as exc:
        raise TransferError(f"SFTP 登录失败：用户名或密码错误，或服务器不接受密码登录（{exc}）。请检查账号的密钥。",
                            permanent=True) from exc
    except PermissionError as exc:
        raise TransferError(f"{what}：SFTP 服务器拒绝，没有权限（{exc.strerror or exc}）。请让排版部门开通写入权限。",
                            permanent=True) from exc
    except FileNotFoundError as exc:
        raise TransferError(f"{what}：SFTP 服务器上没有这个路径（{exc.strerror or exc}）。", permanent=True) from exc
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise TransferError(f"{what}失败（{exc.__class__.__name__}: {exc}）。", permanent=False) from exc


def _fingerprint(key: paramiko.PKey) -> str:
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def _expected_key(host_key: str) -> tuple[str, bytes] | None:
    """The registered key as (type, blob), None for a fingerprint; raises when unreadable."""
    if host_key.startswith("SHA256:"):
        return None
    parts = host_key.split()
    if len(parts) < 2 or parts[0] not in _KEY_ALGORITHMS:
        raise TransferError("账号登记的主机密钥格式不对：应为 “ssh-ed25519 AAAA…” 这样的公钥，或 “SHA256:…” 指纹。",
                            permanent=True)
    try:
        return parts[0], base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TransferError("账号登记的主机密钥无法解读（不是有效的 Base64）。", permanent=True) from exc


def _verify_host_key(key: paramiko.PKey, host_key: str, expected: tuple[str, bytes] | None) -> None:
    seen = _fingerprint(key)
    matches = key.asbytes() == expected[1] if expected else seen.rstrip("=") == host_key.rstrip("=")
    if not matches:
        raise TransferError(
            f"SFTP 服务器的主机密钥与账号登记的不一致（服务器出示的是 {key.get_name()} {seen}）。"
            "可能是服务器重装了，也可能有人冒充：请先向排版部门核实，再更新账号的主机密钥。",
            permanent=True,
        )


@contextmanager
def _open_sftp(host, port, user, password, path, host_key, timeout) -> Iterator[RemoteFolder]:
    if not password:
        raise TransferError("SFTP 账号没有填写密码：密钥应为 “用户名:密码”。", permanent=True)
    expected = _expected_key(host_key) if host_key else None
    transport = None
    try:
        with _sftp_errors("连接 SFTP 服务器"):
            sock = socket.create_connection((host, port), timeout=timeout)
            transport = paramiko.Transport(sock)
            transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = timeout
            if expected:
                transport.get_security_options().key_types = _KEY_ALGORITHMS[expected[0]]
            transport.start_client(timeout=timeout)
            if host_key:
                _verify_host_key(transport.get_remote_server_key(), host_key, expected)
            transport.auth_password(user, password)
            client = paramiko.SFTPClient.from_transport(transport)
            client.get_channel().settimeout(timeout)
            folder = SftpFolder(client, path or client.normalize("."))
        yield folder
    finally:
        if transport is not None:
            transport.close()


class SftpFolder:
    def __init__(self, client: paramiko.SFTPClient, base: str):
        self.client = client
        self.base = base

    def is_dir(self, path: str) -> bool:
        with _sftp_errors(f"查看 {path}"):
            try:
                return stat.S_ISDIR(self.client.stat(path).st_mode or 0)
            except FileNotFoundError:
                return False

    def read(self, path: str) -> bytes | None:
        with _sftp_errors(f"读取 {path}"):
            try:
                with self.client.open(path, "rb") as remote:
                    return remote.read()
            except FileNotFoundError:
                return None

    def mkdir(self, path: str) -> None:
        with _sftp_errors(f"建立文件夹 {path}"):
            self.client.mkdir(path)

    def write(self, path: str, data: bytes) -> None:
        with _sftp_errors(f"上传 {path}"):
            self.client.putfo(io.BytesIO(data), path, file_size=len(data), confirm=True)

    def rename(self, old: str, new: str) -> None:
        with _sftp_errors(f"把 {old} 改名为 {new}"):
            self.client.rename(old, new)

    def remove_folder(self, path: str) -> None:
        with _sftp_errors(f"删除 {path}"):
            for name in self.client.listdir(path):
                self.client.remove(posixpath.join(path, name))
            self.client.rmdir(path)


# ---------------------------------------------------------------------------------- FTP


@contextmanager
def _ftp_errors(what: str) -> Iterator[None]:
    try:
        yield
    except TransferError:
        raise
    except ftplib.error_temp as exc:
        raise TransferError(f"{what}：FTP 服务器暂时拒绝（{exc}）。", permanent=False) from exc
    except ftplib.error_perm as exc:
        raise TransferError(f"{what}：FTP 服务器拒绝（{exc}）。请检查账号设置和服务器上的权限。", permanent=True) from exc
    except (ftplib.Error, EOFError, OSError) as exc:
        raise TransferError(f"{what}失败（{exc.__class__.__name__}: {exc}）。", permanent=False) from exc


def _is_code(exc: ftplib.Error, *codes: str) -> bool:
    return str(exc)[:3] in codes


@contextmanager
def _open_ftp(host, port, user, password, path, host_key, timeout) -> Iterator[RemoteFolder]:
    ftp = ftplib.FTP(timeout=timeout, encoding="utf-8")
    try:
        with _ftp_errors("连接 FTP 服务器"):
            ftp.connect(host, port)
            try:
                ftp.login(user or "anonymous", password)
            except ftplib.error_perm as exc:
                if _is_code(exc, "530", "430"):
                    raise TransferError(f"FTP 登录失败：用户名或密码错误（{exc}）。请检查账号的密钥。",
                                        permanent=True) from exc
                raise
            home = ftp.pwd()
        yield FtpFolder(ftp, posixpath.join(home, path) if path else home)
    finally:
        if ftp.sock is not None:
            try:
                ftp.quit()
            except (ftplib.Error, EOFError, OSError):
                pass
        ftp.close()


class FtpFolder:
    def __init__(self, ftp: ftplib.FTP, base: str):
        self.ftp = ftp
        self.base = base

    def is_dir(self, path: str) -> bool:
        with _ftp_errors(f"查看 {path}"):
            try:
                self.ftp.cwd(path)
            except ftplib.error_perm as exc:
                if _is_code(exc, "550"):
                    return False
                raise
            return True

    def read(self, path: str) -> bytes | None:
        buffer = io.BytesIO()
        with _ftp_errors(f"读取 {path}"):
            try:
                self.ftp.retrbinary(f"RETR {path}", buffer.write)
            except ftplib.error_perm as exc:
                if _is_code(exc, "550"):
                    return None
                raise
        return buffer.getvalue()

    def mkdir(self, path: str) -> None:
        with _ftp_errors(f"建立文件夹 {path}"):
            self.ftp.mkd(path)

    def write(self, path: str, data: bytes) -> None:
        with _ftp_errors(f"上传 {path}"):
            self.ftp.storbinary(f"STOR {path}", io.BytesIO(data))

    def rename(self, old: str, new: str) -> None:
        with _ftp_errors(f"把 {old} 改名为 {new}"):
            self.ftp.rename(old, new)

    def remove_folder(self, path: str) -> None:
        with _ftp_errors(f"删除 {path}"):
            try:
                names = self.ftp.nlst(path)
            except ftplib.error_perm as exc:  # some servers answer 550 for an empty folder
                if not _is_code(exc, "550"):
                    raise
                names = []
            for name in names:
                base = posixpath.basename(name.rstrip("/"))
                if base not in (".", ".."):
                    self.ftp.delete(posixpath.join(path, base))
            self.ftp.rmd(path)

