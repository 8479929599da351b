"""Readable Chinese names for audit actions. Each room registers its own."""

_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.logout": "退出",
    "auth.login_failed": "登录失败",
    "auth.locked_out": "登录锁定",
    "center.create": "新建中心",
    "user.create": "新建账号",
    "user.roles_change": "变更角色",
    "user.activate": "启用账号",
    "user.deactivate": "停用账号",
    "user.password_change": "修改密码",
    "user.change_request": "申请变更共用账号",
    "user.change_approve": "同意变更共用账号",
    "user.change_refuse": "不同意变更共用账号",
    "department.create": "新增政府部门",
    "token.create": "创建 API 令牌",
    "token.revoke": "吊销 API 令牌",
}


def register(labels: dict[str, str]) -> None:
    _LABELS.update(labels)


def label(action: str) -> str:
    return _LABELS.get(action, action)
