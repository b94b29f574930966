# ruff: noqa: E501  (prose: one paragraph per line, as the notices are stored)
"""Version 2026-1 of the privacy page for children and of the notice for guardians.

Published by a migration and, for a database emptied by tests, by the demo and the factories.
A published version never changes: a new text is a new version, added by the admin.
"""

from datetime import date

RESPONSIBLE = "杭州市儿童友好城市建设项目办公室 个人信息保护负责人"
RESPONSIBLE_EN = (
    "The personal-information protection officer of the Hangzhou child-friendly city programme "
    "office"
)
CONTACT = "privacy@hangzhou-cfc.example · 0571-00000000"

CHILDREN = """## 我们为什么要知道你的信息
你在观察团里提建议、参加活动。为了把你的建议送到学校、社区和城市的部门，我们需要知道你在哪个学校、哪个社区，以及你大概几岁。

## 别人看到的是你的昵称
在网站上，大家只看到你的昵称（化名），看不到你的真名。你的真名和联系方式被加密保存，只有项目办公室里得到授权的人，在说明原因之后才能看到，而且每一次查看都会被记下来。

## 我们保存多久
你离开观察团一年以后，我们会删除你的真名和联系方式。你的建议会留下来，署名变成“前观察员”。

## 你可以做什么
你和你的爸爸妈妈（或其他监护人）可以看到我们保存的关于你的全部信息，可以请我们改正，也可以随时请我们删除。先和你的监护人说一说，他们可以在自己的页面上操作。

## 有问题找谁
如果有不明白的地方，请你的监护人联系下面写的负责人。"""

CHILDREN_EN = """## Why we need to know about you
You make suggestions and take part in activities with the observation group. To carry your ideas to your school, your community and the city's departments, we need to know your school, your community and roughly how old you are.

## Others see your pseudonym
On the portal everyone sees only your pseudonym, never your real name. Your real name and contact details are kept encrypted; only people of the programme office who are allowed to can see them, after saying why, and each look is written down.

## How long we keep it
One year after you leave the group we delete your real name and contact details. Your suggestions stay, signed "former observer".

## What you can do
You and your parents (or other guardians) can see everything we keep about you, ask us to correct it, and ask us to delete it at any time. Talk to your guardian first: they can do it from their page.

## Who to ask
If something is not clear, ask your guardian to contact the person named below."""

GUARDIANS = """## 目的
杭州市儿童观察团让儿童就城市建设提出建议，并跟踪每条建议从学校、社区到城市部门的办理过程。为此，本网站处理您孩子的以下个人信息。依照《个人信息保护法》第三十一条，处理不满十四周岁未成年人的个人信息须取得其监护人的同意。

## 我们保存哪些信息
- 化名、年龄段、学校、社区，以及孩子在观察团中的成员身份、参加的培训和活动、提出的建议；
- 真实姓名、联系电话和住址：与其他信息分开保存并加密，只有经授权的项目办公室管理员在说明目的后才能查看，每次查看（包括被拒绝的尝试）都记录在访问日志中；
- 经您另行同意的活动照片。
我们不会把孩子的任何信息写入日志、导出文件或发送给第三方网站。

## 保存期限
孩子离开项目一年后，或您要求删除时立即，我们删除孩子的真实姓名、联系方式、登录名和照片；孩子提出的建议以“前观察员”的名义保留，用于统计和公示。

## 您的权利
您可以随时在自己的页面上：查看并下载我们保存的孩子的全部数据（JSON 格式）；撤回同意（孩子的账户随即停用，数据随后删除）；要求删除孩子的数据。您也可以联系下列负责人要求更正。

## 负责人
对儿童个人信息保护负责的人及其联系方式见下方。"""

GUARDIANS_EN = """## Purpose
The Hangzhou children's observation group lets children make suggestions about their city and follow each one from the school and the community to the city department that acts on it. For this the portal processes the personal information of your child listed below. Under article 31 of the Personal Information Protection Law, the personal information of a child under fourteen is processed only with the consent of their guardian.

## What we keep
- a pseudonym, an age band, the school and the community, and your child's membership of the group, the training and activities they attended and the suggestions they made;
- the real name, contact phone and address: kept apart from everything else and encrypted; only programme-office administrators given that right can see them, after stating why, and every look (and every refused attempt) is written to an access log;
- photos from activities, only with your separate consent.
Nothing about your child is written to logs, exports or sent to any third-party site.

## How long
One year after your child leaves the programme, or at once when you ask, we delete the real name, contacts, login name and photos; the suggestions your child made are kept under "former observer" for the programme's figures and public record.

## Your rights
At any time, from your own page, you can see and download all the data we hold about your child (as JSON), withdraw your consent (the child's account closes at once and the data is deleted soon after), and ask us to delete the data. You can also ask the person responsible, named below, to correct it.

## Person responsible
The person responsible for children's personal information, and how to reach them, is named below."""


def publish(PrivacyNotice):
    """Create version 2026-1 of both notices, unless they exist."""
    common = {
        "version": "2026-1",
        "published_on": date(2026, 1, 1),
        "responsible": RESPONSIBLE,
        "responsible_en": RESPONSIBLE_EN,
        "contact": CONTACT,
    }
    PrivacyNotice.objects.get_or_create(
        audience="children",
        version=common["version"],
        defaults={
            **common,
            "title": "写给小观察员的隐私说明",
            "title_en": "Privacy, explained for young observers",
            "body": CHILDREN,
            "body_en": CHILDREN_EN,
        },
    )
    PrivacyNotice.objects.get_or_create(
        audience="guardians",
        version=common["version"],
        defaults={
            **common,
            "title": "儿童个人信息保护告知书（监护人版）",
            "title_en": "Notice on children's personal information, for guardians",
            "body": GUARDIANS,
            "body_en": GUARDIANS_EN,
        },
    )
