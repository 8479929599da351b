"""Every setting Rongmei reads from the environment, validated in one place.

`settings.py` builds Django's settings from `load()`; `rongmei check` prints the same
problems without a traceback. Each problem names the variable and says what to do, in
Chinese, because the people who install a county's server read Chinese first.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


@dataclass
class Problem:
    setting: str
    message: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


@dataclass
class Config:
    var_dir: Path
    debug: bool
    demo: bool
    secret_key: str
    secret_key_source: str
    database_url: str
    redis_url: str | None
    media_storage: str
    media_root: Path
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    time_zone: str
    log_level: str
    log_format: str
    queue_heartbeat_max_age: int
    queue_name: str
    email: dict | None
    serve_media: bool
    sandbox_port: int
    sandbox: bool
    base_url: str
    port: int
    # HTTPS behind nginx (docs/deploy.md): secure cookies, redirect, HSTS, proxy header.
    https: bool = False
    hsts_seconds: int = 0
    hsts_include_subdomains: bool = False
    hsts_preload: bool = False
    secure_proxy_ssl_header: tuple[str, str] | None = None
    trusted_proxies: list[str] = field(default_factory=list)
    hsts_requested: bool = False
    problems: list[Problem] = field(default_factory=list)
    # Intranet hosts/networks the review link check may reach (see _linkcheck_allow).
    linkcheck_allow: list[str] = field(default_factory=list)
    # MEDIA_STORAGE=s3: django-storages' S3Storage options (see _s3, docs/storage.md), else None.
    s3: dict | None = None
    s3_delivery: str = "stream"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"配置有误，请修改以下环境变量后重试：\n{lines}")


def _bool(env, name: str, default: bool, problems: list[Problem]) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(Problem(name, f"“{raw}”不是开关值，请填 1/0、true/false 或 yes/no。"))
    return default


def _int(env, name: str, default: int, low: int, high: int, problems: list[Problem]) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(Problem(name, f"“{raw}”不是整数，请填 {low} 到 {high} 之间的整数。"))
        return default
    if not low <= value <= high:
        problems.append(Problem(name, f"{value} 超出范围，请填 {low} 到 {high} 之间的整数。"))
        return default
    return value


def _list(env, name: str, default: list[str]) -> list[str]:
    raw = env.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def _database_url(env, var_dir: Path, problems: list[Problem]) -> str:
    default = f"sqlite:///{var_dir / 'rongmei.sqlite3'}"
    raw = (env.get("DATABASE_URL") or "").strip()
    if not raw:
        return default
    scheme = urlparse(raw).scheme
    if scheme == "sqlite":
        return raw
    if scheme in {"postgres", "postgresql", "pgsql"}:
        parsed = urlparse(raw)
        if not parsed.path.strip("/"):
            problems.append(Problem("DATABASE_URL", "PostgreSQL 地址缺少数据库名，例如 postgresql://rongmei:密码@127.0.0.1:5432/rongmei。"))
        return raw
    problems.append(Problem(
        "DATABASE_URL",
        f"不支持的数据库类型“{scheme or raw}”。请用 sqlite:///路径 或 postgresql://用户:密码@主机:端口/库名。",
    ))
    return default


def _redis_url(env, problems: list[Problem]) -> str | None:
    raw = (env.get("REDIS_URL") or "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss", "unix"}:
        problems.append(Problem("REDIS_URL", f"“{raw}”不是 Redis 地址，例如 redis://127.0.0.1:6379/0。"))
        return None
    return raw


def _secret_key(env, var_dir: Path, problems: list[Problem]) -> tuple[str, str]:
    raw = env.get("SECRET_KEY")
    if raw is not None:
        if len(raw) < 32:
            problems.append(Problem("SECRET_KEY", f"太短（{len(raw)} 个字符），至少需要 32 个随机字符。可用 `python -c 'import secrets;print(secrets.token_urlsafe(50))'` 生成。"))
        return raw, "environment"
    # Embedded mode: make one strong key per installation and keep it under var/.
    key_file = var_dir / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text().strip(), str(key_file)
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        tmp = key_file.with_suffix(".tmp")
        tmp.write_text(key)
        tmp.chmod(0o600)
        os.replace(tmp, key_file)
        return key, str(key_file)
    except OSError as exc:
        problems.append(Problem("SECRET_KEY", f"未设置，且无法在 {var_dir} 保存自动生成的密钥（{exc.strerror}）。请设置 SECRET_KEY 或 RONGMEI_VAR_DIR。"))
        return secrets.token_urlsafe(50), "temporary"


def _email(env, problems: list[Problem]) -> dict | None:
    """EMAIL_URL=smtp://user:password@host:port (smtps:// for TLS on connect, ?starttls=1)."""
    raw = (env.get("EMAIL_URL") or "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"smtp", "smtps"} or not parsed.hostname:
        problems.append(Problem("EMAIL_URL", f"“{raw}”不是邮件服务器地址，例如 smtp://用户:密码@mail.example.gov.cn:25 或 smtps://…:465。"))
        return None
    from urllib.parse import parse_qs, unquote

    query = parse_qs(parsed.query)
    return {
        "host": parsed.hostname,
        "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "user": unquote(parsed.username or ""),
        "password": unquote(parsed.password or ""),
        "ssl": parsed.scheme == "smtps",
        "starttls": query.get("starttls", ["0"])[0] in TRUE_WORDS,
        "from": (env.get("DEFAULT_FROM_EMAIL") or f"融媒工作平台 <noreply@{parsed.hostname}>").strip(),
    }


# What nginx in our sample is: the app is reached through loopback only.
DEFAULT_TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]
HSTS_MAX = 2 * 365 * 24 * 3600
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def _proxy_ssl_header(env, https: bool, problems: list[Problem]) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto (or Name:value). With RONGMEI_HTTPS on and
    nothing set, X-Forwarded-Proto: gunicorn never speaks TLS itself, so without the proxy's
    word every request would look like http and be redirected forever. `off` turns it off.
    The header is believed only from TRUSTED_PROXIES (core.clientip)."""
    raw = env.get("SECURE_PROXY_SSL_HEADER")
    if raw is None or raw.strip() == "":
        return ("HTTP_X_FORWARDED_PROTO", "https") if https else None
    text = raw.strip()
    if text.lower() in FALSE_WORDS | {"none"}:
        return None
    name, _, value = text.partition(":")
    name, value = name.strip(), (value.strip() or "https")
    if not HEADER_NAME.match(name) or not value.isprintable() or " " in value:
        problems.append(Problem("SECURE_PROXY_SSL_HEADER", f"“{raw}”不是请求头名称。请填反向代理设置的头，例如 X-Forwarded-Proto（或 X-Forwarded-Proto:https）；不用时填 off。"))
        return None
    return "HTTP_" + name.upper().replace("-", "_"), value


def _trusted_proxies(env, problems: list[Problem]) -> list[str]:
    """TRUSTED_PROXIES: addresses or networks whose X-Forwarded-For / X-Real-IP /
    X-Forwarded-Proto we believe. Unset: loopback (nginx on the same machine, as in the
    sample). Empty: nobody."""
    raw = env.get("TRUSTED_PROXIES")
    if raw is None:
        return list(DEFAULT_TRUSTED_PROXIES)
    entries = [part.strip() for part in raw.split(",") if part.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(Problem("TRUSTED_PROXIES", f"“{entry}”不是 IP 地址或网段。请填反向代理的地址，用逗号分隔，例如 127.0.0.1,10.0.0.0/24。"))
    return entries


def _https(env, problems: list[Problem]) -> dict:
    https = _bool(env, "RONGMEI_HTTPS", False, problems)
    hsts = _int(env, "HSTS_SECONDS", 0, 0, HSTS_MAX, problems)
    subdomains = _bool(env, "HSTS_INCLUDE_SUBDOMAINS", False, problems)
    preload = _bool(env, "HSTS_PRELOAD", False, problems)
    if preload and (not subdomains or hsts < 31536000):
        problems.append(Problem("HSTS_PRELOAD", "加入浏览器预加载名单要求 HSTS_SECONDS 至少 31536000（一年）且 HSTS_INCLUDE_SUBDOMAINS=1。请先补齐这两项，或关闭 HSTS_PRELOAD。"))
    return {
        "https": https,
        "hsts_seconds": hsts if https else 0,
        "hsts_requested": hsts > 0,
        "hsts_include_subdomains": subdomains and https,
        "hsts_preload": preload and https,
        "secure_proxy_ssl_header": _proxy_ssl_header(env, https, problems),
        "trusted_proxies": _trusted_proxies(env, problems),
    }


def warnings(cfg: Config) -> list[Problem]:
    """Not errors (the server starts), but what `rongmei check` should point out before a
    center goes live."""
    found = []
    if cfg.debug:
        found.append(Problem("DEBUG", "已开启：出错时会向访问者显示调试信息，正式使用前请关闭。"))
    if not cfg.https:
        found.append(Problem("RONGMEI_HTTPS", "未开启：登录 Cookie 会经明文 HTTP 传送。正式上线请由 nginx 提供 HTTPS（见 docs/deploy.md），再设置 RONGMEI_HTTPS=1。"
                             + ("HSTS_SECONDS 只在 HTTPS 开启后生效。" if cfg.hsts_requested else "")))
    else:
        if not cfg.hsts_seconds:
            found.append(Problem("HSTS_SECONDS", "HTTPS 已开启，但没有 HSTS：浏览器仍可能先走明文 HTTP。确认 HTTPS 稳定后请设置，例如 HSTS_SECONDS=31536000。"))
        if cfg.secure_proxy_ssl_header is None:
            found.append(Problem("SECURE_PROXY_SSL_HEADER", "HTTPS 已开启但未信任代理的 HTTPS 标记：若 TLS 由 nginx 终止，每个请求都会被当作 HTTP 而无限跳转。请设为 X-Forwarded-Proto。"))
        if not cfg.trusted_proxies:
            found.append(Problem("TRUSTED_PROXIES", "为空：不信任任何代理，X-Forwarded-Proto 会被忽略，HTTPS 跳转将无限循环。请填 nginx 的地址，例如 127.0.0.1。"))
    return found


def _linkcheck_allow(env, problems: list[Problem]) -> list[str]:
    """RONGMEI_LINKCHECK_ALLOW: intranet sites the link check may ask although they resolve
    to private addresses, comma-separated host names (".example.cn" = with subdomains),
    addresses or CIDR networks. Everything else private is refused (SSRF)."""
    import ipaddress
    import re

    label = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
    good = []
    for entry in _list(env, "RONGMEI_LINKCHECK_ALLOW", []):
        try:
            ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            name = entry.lower().strip(".")
            if not name or not all(label.match(part) for part in name.split(".")):
                problems.append(Problem("RONGMEI_LINKCHECK_ALLOW", f"“{entry}”既不是主机名，也不是 IP 地址或网段，"
                                        "例如 intranet.example.gov.cn,10.8.0.0/16。"))
                continue
        good.append(entry)
    return good


S3_ADDRESSING = {"path", "virtual", "auto"}
S3_DELIVERY = {"stream", "redirect"}


def _s3(env, problems: list[Problem]) -> tuple[dict | None, str]:
    """MEDIA_STORAGE=s3: the bucket on an S3-compatible service (MinIO, Ceph, a cloud's OSS
    with the S3 API), as options of `rongmei.core.storage_s3.MediaS3Storage`."""
    bucket = (env.get("S3_BUCKET") or "").strip()
    if not bucket:
        problems.append(Problem("S3_BUCKET", "媒体存储设为 s3，但没有填写存储桶名称。请设置 S3_BUCKET，例如 S3_BUCKET=rongmei-media。"))
    elif not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        problems.append(Problem("S3_BUCKET", f"“{bucket}”不是合法的存储桶名称：只能用小写字母、数字、点和连字符，3 到 63 个字符。"))
    endpoint = (env.get("S3_ENDPOINT_URL") or "").strip().rstrip("/")
    if endpoint and (urlparse(endpoint).scheme not in {"http", "https"} or not urlparse(endpoint).hostname):
        problems.append(Problem("S3_ENDPOINT_URL", f"“{endpoint}”不是对象存储的地址，例如 http://127.0.0.1:9000（MinIO）"
                                                   "或 https://oss-cn-hangzhou.aliyuncs.com。用 AWS 本身时留空。"))
        endpoint = ""
    key, secret = (env.get("S3_ACCESS_KEY_ID") or "").strip(), (env.get("S3_SECRET_ACCESS_KEY") or "").strip()
    if bool(key) != bool(secret):
        missing = "S3_SECRET_ACCESS_KEY" if key else "S3_ACCESS_KEY_ID"
        problems.append(Problem(missing, "访问密钥要成对填写：S3_ACCESS_KEY_ID 和 S3_SECRET_ACCESS_KEY 都填，"
                                         "或者都不填（使用服务器的实例角色或 ~/.aws 中的凭据）。"))
    style = (env.get("S3_ADDRESSING_STYLE") or "path").strip().lower()
    if style not in S3_ADDRESSING:
        problems.append(Problem("S3_ADDRESSING_STYLE", f"“{style}”无效，请填 path（MinIO、Ceph 常用）、virtual 或 auto。"))
        style = "path"
    delivery = (env.get("S3_MEDIA_DELIVERY") or "stream").strip().lower()
    if delivery not in S3_DELIVERY:
        problems.append(Problem("S3_MEDIA_DELIVERY", f"“{delivery}”无效，请填 stream（由本系统检查权限后转发文件）"
                                                     "或 redirect（检查权限后跳转到短时有效的签名地址）。"))
        delivery = "stream"
    domain = (env.get("S3_CUSTOM_DOMAIN") or "").strip().strip("/")
    if domain and ("/" in domain.split("://")[-1] or " " in domain):
        problems.append(Problem("S3_CUSTOM_DOMAIN", f"“{domain}”不是域名，例如 media.example.gov.cn（不带路径）。"))
        domain = ""
    location = (env.get("S3_LOCATION") or "").strip().strip("/")
    options = {
        "bucket_name": bucket or None,
        "endpoint_url": endpoint or None,
        "region_name": (env.get("S3_REGION") or "").strip() or "us-east-1",
        "access_key": key or None,
        "secret_key": secret or None,
        "addressing_style": style,
        "signature_version": "s3v4",
        "custom_domain": domain.split("://")[-1] or None,
        "location": location,
        "querystring_expire": _int(env, "S3_URL_EXPIRE", 60, 5, 7 * 24 * 3600, problems),
        "default_acl": None,        # the bucket stays private: every read goes through /media/
        "file_overwrite": False,    # like the local folder: a name taken gets a new one
    }
    return options, delivery


def load(env=None) -> Config:
    env = os.environ if env is None else env
    problems: list[Problem] = []

    var_dir = Path(env.get("RONGMEI_VAR_DIR") or BASE_DIR / "var").resolve()
    debug = _bool(env, "DEBUG", False, problems)
    demo = _bool(env, "RONGMEI_DEMO", False, problems)
    secret_key, secret_key_source = _secret_key(env, var_dir, problems)

    storage_var = "RONGMEI_MEDIA_STORAGE" if env.get("RONGMEI_MEDIA_STORAGE") else "MEDIA_STORAGE"
    media_storage = (env.get(storage_var) or "local").strip().lower()
    if media_storage not in {"local", "s3"}:
        problems.append(Problem(storage_var, f"“{media_storage}”无法使用：请填 local（本地目录，由 MEDIA_ROOT 指定）"
                                             "或 s3（兼容 S3 的对象存储，见 docs/storage.md）。"))
        media_storage = "local"
    s3, s3_delivery = (_s3(env, problems) if media_storage == "s3" else (None, "stream"))
    media_root = Path(env.get("MEDIA_ROOT") or var_dir / "media").resolve()

    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        problems.append(Problem("LOG_LEVEL", f"“{log_level}”不是日志级别，请填 DEBUG、INFO、WARNING、ERROR 或 CRITICAL。"))
        log_level = "INFO"
    log_format = (env.get("LOG_FORMAT") or "json").strip().lower()
    if log_format not in {"json", "text"}:
        problems.append(Problem("LOG_FORMAT", f"“{log_format}”无效，请填 json 或 text。"))
        log_format = "json"

    time_zone = (env.get("TIME_ZONE") or "Asia/Shanghai").strip()
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(Problem("TIME_ZONE", f"“{time_zone}”不是时区名称，例如 Asia/Shanghai。"))
        time_zone = "Asia/Shanghai"

    config = Config(
        var_dir=var_dir,
        debug=debug,
        demo=demo,
        secret_key=secret_key,
        secret_key_source=secret_key_source,
        database_url=_database_url(env, var_dir, problems),
        redis_url=_redis_url(env, problems),
        media_storage=media_storage,
        media_root=media_root,
        s3=s3,
        s3_delivery=s3_delivery,
        allowed_hosts=_list(env, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"]),
        csrf_trusted_origins=_list(env, "CSRF_TRUSTED_ORIGINS", []),
        time_zone=time_zone,
        log_level=log_level,
        log_format=log_format,
        queue_heartbeat_max_age=_int(env, "RONGMEI_QUEUE_HEARTBEAT_MAX_AGE", 60, 2, 3600, problems),
        queue_name=(env.get("RONGMEI_QUEUE_NAME") or "rongmei").strip(),
        email=_email(env, problems),
        serve_media=_bool(env, "RONGMEI_SERVE_MEDIA", True, problems),
        sandbox_port=_int(env, "RONGMEI_SANDBOX_PORT", 8901, 1, 65533, problems),
        sandbox=_bool(env, "RONGMEI_SANDBOX", False, problems),
        base_url=(env.get("RONGMEI_BASE_URL") or f"http://127.0.0.1:{env.get('PORT') or 8000}").rstrip("/"),
        port=_int(env, "PORT", 8000, 1, 65535, problems),
        **_https(env, problems),
        problems=problems,
    )
    config.linkcheck_allow = _linkcheck_allow(env, problems)
    if not config.queue_name.replace("-", "").replace("_", "").isalnum():
        problems.append(Problem("RONGMEI_QUEUE_NAME", "只能包含字母、数字、下划线和连字符。"))
    for origin in config.csrf_trusted_origins:
        if not origin.startswith(("http://", "https://")):
            problems.append(Problem("CSRF_TRUSTED_ORIGINS", f"“{origin}”需要以 http:// 或 https:// 开头。"))
    return config
