"""The newspaper layout desk (报纸排版): the typesetting package (排版包) copied into the
desk's folder by SFTP or FTP.

The account's base URL names the server and the folder: `sftp://host:port/remote/dir` or
`ftp://host:port/remote/dir` (without a path, the login folder). Its secret is
"user:password". Its options may hold:

- "host_key" (SFTP): the server's public key ("ssh-ed25519 AAAA…") or its fingerprint
  ("SHA256:…"); a server showing another key is refused. Without it any key is accepted,
  so an on-premise desk should register its key (see `rongmei.distribution.transfer`).
- "subdir_by_date": true puts each package into a YYYY-MM-DD folder (the center's date
  when the package is first sent; a retry after midnight keeps that date).

SFTP because it is what a desk's server offers today (paramiko); plain FTP because older
layout PCs still run an FTP server (stdlib ftplib). Both only need a folder we may write
to, so the package goes as a folder of files rather than a zip: the layout editor opens
the Word file at once and layout scripts read the XML and pictures where they lie.

How a package arrives, for the desk never to see half of one:

1. Everything is uploaded into `.<stem>.partial-<idempotency key>` beside the final folder
   (hidden by the leading dot), `manifest.json` last.
2. The folder is renamed to its final name, `<stem>` (the package's own name:
   `demo-story-10`, or `demo-story-10-takedown` for a takedown notice …).

Asking again is safe. Before uploading, the final folder is looked at: when it exists and
its `manifest.json` is byte for byte ours (the manifest holds every file's SHA-256), the
package is already there and nothing is uploaded again; this is how a worker that died
after the rename finishes. A partial folder left by an earlier attempt of this delivery is
removed and the upload starts over. When the final folder holds another package (an
earlier version of the story, an earlier correction), it is never replaced: the desk may
already have laid it out, and a silently swapped package is how a wrong text gets
printed. The new one goes to `<stem>-v<version>` (then `-v<version>-2` …) beside it.

Wrong password, refused permission, a missing remote folder, a host key that does not
match and FTP 5xx answers fail at once (the account must be fixed); refused or dropped
connections, timeouts and FTP 4xx answers are retried.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.utils import timezone

from rongmei.distribution import items, secrets, transfer
from rongmei.distribution.formatters.newspaper import MANIFEST, newspaper_package
from rongmei.distribution.outbox import Delivery, Outcome

TIMEOUT = 20
MAX_NAMES = 20  # versions of one package side by side before we give up and ask the operator


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    account = message.account
    problem = transfer.check_url(account.base_url)
    if problem:
        return Outcome.fail(f"报纸排版账号的{problem}")
    try:
        item = items.build(message.publication, message.action, note=delivery.progress.get("reason", ""))
        package = newspaper_package(item)
        credentials = secrets.decrypt(account.secret)
    except (ValueError, OSError) as exc:
        return Outcome.fail(f"无法生成排版包：{exc}")
    options = account.options or {}
    if options.get("subdir_by_date") and "date_folder" not in delivery.progress:
        delivery.remember(date_folder=item.local(timezone.now()).date().isoformat())
    try:
        with transfer.connect(account.base_url, credentials, host_key=str(options.get("host_key", "")),
                              timeout=TIMEOUT) as remote:
            return _put_package(remote, delivery, package, item.version)
    except transfer.TransferError as exc:
        return Outcome.fail(str(exc)) if exc.permanent else Outcome.retry(str(exc))


def _put_package(remote: transfer.RemoteFolder, delivery: Delivery, package: dict[str, bytes], version: int) -> Outcome:
    if not remote.is_dir(remote.base):
        return Outcome.fail(f"远程目录 {remote.base} 不存在或无权进入：请检查账号的服务器地址，或请排版部门建好这个目录。")
    parent = _parent_folder(remote, delivery.progress.get("date_folder", ""))
    name = package_name(package)
    final, already_there = _destination(remote, parent, name, package[MANIFEST], version)
    if already_there:
        delivery.remember(remote_path=final)
        return Outcome.ok(remote_id=final, detail=f"{final} 里已有同样的排版包，未重复上传。")
    partial = posixpath.join(parent, f".{name}.partial-{delivery.message.idempotency_key}")
    _upload(remote, partial, package)
    remote.rename(partial, final)
    delivery.remember(remote_path=final)
    return Outcome.ok(remote_id=final, detail=f"已上传 {len(package)} 个文件到 {final}")


def package_name(package: dict[str, bytes]) -> str:
    """The package's stem, from its Word file (`<stem>.docx`), e.g. "demo-story-10-takedown"."""
    return next(PurePosixPath(name).stem for name in package if name.endswith(".docx"))


def _parent_folder(remote: transfer.RemoteFolder, date_folder: str) -> str:
    """The folder the package goes into: the account's, or its date subfolder (made when missing)."""
    if not date_folder:
        return remote.base
    parent = posixpath.join(remote.base, date_folder)
    if not remote.is_dir(parent):
        remote.mkdir(parent)
    return parent


def _destination(remote: transfer.RemoteFolder, parent: str, name: str, manifest: bytes, version: int) -> tuple[str, bool]:
    """The final folder for the package, and whether it is already there. A folder holding
    another package is left alone and the next free name is taken."""
    for candidate in _names(name, version):
        path = posixpath.join(parent, candidate)
        if not remote.is_dir(path):
            return path, False
        if remote.read(posixpath.join(path, MANIFEST)) == manifest:
            return path, True
    raise transfer.TransferError(
        f"{parent} 里已有 {MAX_NAMES} 个名为 {name} 的不同排版包，没有再上传。请排版部门清理后重发。", permanent=True)


def _names(name: str, version: int) -> Iterator[str]:
    yield name
    yield f"{name}-v{version}"
    for n in range(2, MAX_NAMES - 1):
        yield f"{name}-v{version}-{n}"


def _upload(remote: transfer.RemoteFolder, folder: str, package: dict[str, bytes]) -> None:
    """Every file into `folder` (a fresh one: a stale one of ours is removed), manifest last."""
    if remote.is_dir(folder):
        remote.remove_folder(folder)
    remote.mkdir(folder)
    for name in sorted(package, key=lambda n: n == MANIFEST):
        remote.write(posixpath.join(folder, name), package[name])
