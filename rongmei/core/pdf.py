"""PDF from our own HTML, for the files leaders and HR are handed (舆情 reports, the pay
sheet): WeasyPrint, set in the machine's Noto CJK fonts by family name, and nothing fetched
— not an image, a stylesheet or a local file — so a name or title typed by someone can never
make the server read anything."""

from __future__ import annotations


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"排版不读取外部资源：{url[:80]}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetch, base_url=None).write_pdf()
