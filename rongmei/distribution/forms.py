"""The account form: settings per kind, groups, and a secret that is entered but never shown."""

from __future__ import annotations

import json

from django import forms

from rongmei.core.models import Area, Department, User
from rongmei.core.tenancy import scoped
from rongmei.distribution.models import AccountGroup, ChannelAccount

# What each kind needs, shown beside the form so the operator knows what to fill in.
KIND_HELP = {
    "own_site": ("不需要接口地址和密钥。", {}),
    "http_push": ("接口地址填订阅方的 https 地址；密钥是双方约定的签名密钥（HMAC-SHA256）。", {}),
    "wechat": ("密钥填 AppSecret；接口地址留空即微信官方地址。回调令牌用于“发布完成”事件推送。",
               {"appid": "wx1234567890abcdef", "callback_token": "在公众平台填写的 Token"}),
    "weibo": ("密钥填 access_token；接口地址留空即微博官方地址。", {}),
    "email": ("接口地址填 smtp://主机:端口（smtps:// 为加密连接）；密钥填“用户名:密码”。",
              {"to": ["desk@example.cn"], "from": "rongmei@example.cn"}),
    "newspaper": ("接口地址填 sftp://主机:端口/目录 或 ftp://主机:端口/目录；密钥填“用户名:密码”。",
                  {"host_key": "ssh-ed25519 AAAA…（SFTP 服务器公钥，建议填写）", "subdir_by_date": True}),
    "broadcast": ("不需要接口地址和密钥；设置节目名称、开始时间和时段长度（秒）。",
                  {"program": "示例新闻联播", "slot_start": "18:30", "slot_seconds": 900}),
    "assisted": ("没有接口的账号：发布时把内容备好通知负责人手工发，负责人填链接确认。请务必指定负责人。", {}),
    # -- 17:PV --
    "douyin": ("抖音开放平台：设置填本中心应用的 client_key 和授权用户的 open_id；密钥填 JSON "
               '{"client_secret": "…", "access_token": "…", "refresh_token": "…"}（加密保存，令牌过期时自动刷新）。'
               "接口地址留空即抖音官方地址。发布稿件审核通过的竖版视频和短视频文案。",
               {"client_key": "awxxxxxxxxxxxxxx", "open_id": "授权用户的 open_id"}),
    "kuaishou": ("快手开放平台：设置填应用的 app_id 和授权用户的 open_id；密钥填 JSON "
                 '{"app_secret": "…", "access_token": "…", "refresh_token": "…"}（加密保存，令牌过期时自动刷新）。'
                 "接口地址留空即快手官方地址。发布稿件审核通过的竖版视频和短视频文案。",
                 {"app_id": "ks6xxxxxxxxxxxxxxx", "open_id": "授权用户的 open_id"}),
    "channels": ("微信视频号没有可用的发布接口：发布时把审核通过的竖版视频、封面和文案备好，通知负责人在视频号手工发布，"
                 "负责人填作品链接确认。请务必指定负责人。", {}),
    "toutiao": ("今日头条（头条号）由负责人手工发布：发布时把网站版的标题、正文和图片备好，负责人发出后填文章链接确认。"
                "请务必指定负责人。", {}),
    "xuexi": ("学习强国由负责人在强国号后台手工发布：发布时把网站版的标题、正文和图片备好，负责人发出后填稿件链接确认。"
              "请务必指定负责人。", {}),
    "province": ("省级技术平台：接口地址填省平台给本中心的接收地址（http(s)）；密钥填双方约定的签名密钥（HMAC-SHA256，"
                 "推送和回执都用它签名）。保存后，本页显示要交给省平台的回执地址（接收、采用回执发到那里）。", {}),
}


class AccountForm(forms.Form):
    name = forms.CharField(max_length=80, label="账号名称")
    kind = forms.ChoiceField(choices=ChannelAccount.Kind.choices, label="类型")
    owner = forms.ChoiceField(choices=ChannelAccount.Owner.choices, label="归属")
    area = forms.ModelChoiceField(queryset=Area.objects.none(), required=False, label="乡镇村社")
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, label="部门")
    responsible = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="负责人")
    leader = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="分管领导",
                                    help_text="账号久未更新或代发迟迟未确认时督办")
    base_url = forms.CharField(max_length=300, required=False, label="接口地址", help_text="可指向本地网关或测试服务")
    options = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}), required=False,
                              label="设置（JSON）", help_text='不含密钥的设置，例如 {"appid": "wx123"}')
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                             required=False, max_length=2000, label="密钥")
    clear_secret = forms.BooleanField(required=False, label="清除已保存的密钥")
    groups = forms.ModelMultipleChoiceField(queryset=AccountGroup.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple, label="分组")
    is_active = forms.BooleanField(required=False, initial=True, label="启用")

    def __init__(self, *args, center, account: ChannelAccount | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["area"].queryset = scoped(Area, center)
        self.fields["department"].queryset = scoped(Department, center)
        from rongmei.distribution.selectors import account_people

        people = account_people(center)
        self.fields["responsible"].queryset = people
        self.fields["leader"].queryset = people
        self.fields["groups"].queryset = scoped(AccountGroup, center)
        if account is None:
            del self.fields["clear_secret"]
            self.fields["secret"].help_text = "保存后不再显示。"
        else:
            self.fields["kind"].disabled = True
            self.fields["secret"].help_text = ("已设置（不显示）。留空保持不变，填写则替换。" if account.secret
                                               else "尚未设置。")

    def clean_options(self):
        raw = self.cleaned_data.get("options", "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(f"设置不是有效的 JSON（第 {getattr(exc, 'lineno', 1)} 行附近有错）。") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('设置应为 JSON 对象，例如 {"appid": "wx123"}。')
        return value

    def clean(self):
        """What each kind needs: the same rules the API applies (`services.account_rules`)."""
        from rongmei.distribution.services import account_rules

        data = super().clean()
        kind = data.get("kind") or (self.account.kind if self.account else "")
        errors = account_rules(kind=kind, base_url=data.get("base_url") or "",
                               options=data.get("options") if "options" in data else None,
                               responsible=data.get("responsible"))
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return data

    @classmethod
    def initial_for(cls, account: ChannelAccount) -> dict:
        return {"name": account.name, "kind": account.kind, "owner": account.owner, "area": account.area,
                "department": account.department, "responsible": account.responsible, "leader": account.leader,
                "base_url": account.base_url, "is_active": account.is_active, "groups": list(account.groups.all()),
                "options": json.dumps(account.options, ensure_ascii=False, indent=1) if account.options else ""}


class GroupForm(forms.Form):
    name = forms.CharField(max_length=60, label="分组名称")
