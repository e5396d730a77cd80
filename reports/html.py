"""One self-contained HTML page: inline CSS and inline SVG figures, no script, no URL of any kind,
readable on screen and on paper (print styles: no navigation, figures and table rows kept whole).
"""

from __future__ import annotations

from html import escape

from qmlc.reports.report_document import Cell, FigureRef, Paragraph, Section, Table

CSS = """
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de;
        --pass: #1a7f37; --warn: #9a6700; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; border-bottom: 1px solid var(--rule); padding-bottom: 4px;
     margin: 36px 0 12px; }
.meta { color: var(--muted); margin: 0 0 12px; font-size: 0.92em; }
nav ol { margin: 8px 0 0; padding-left: 20px; columns: 2; color: var(--muted); }
nav a { color: inherit; }
p.summary { font-size: 1.08em; background: var(--band); border-left: 4px solid #0072B2;
            padding: 10px 14px; margin: 12px 0 16px; }
.table-wrap { overflow-x: auto; margin: 8px 0 20px; }
table { border-collapse: collapse; width: auto; max-width: 100%; font-size: 0.86em;
        font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 0.95em;
          padding-top: 6px; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
p.missing { color: var(--muted); font-style: italic; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.badge { display: inline-block; border-radius: 10px; padding: 0 9px; font-weight: 600;
         font-size: 0.9em; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.warn { background: var(--warn); }
figure { margin: 12px 0 22px; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.9em; margin-top: 4px; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 40px; border-top: 1px solid
         var(--rule); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; }
  p.summary { border-left-color: #000; }
  @page { margin: 14mm; }
}
"""


def _cell(cell: Cell, tag: str = "td") -> str:
    text = escape(cell.text)
    if cell.strong:
        text = f"<strong>{text}</strong>"
    if cell.status:
        text = f'<span class="badge {escape(cell.status)}">{text}</span>'
    attrs = ""
    if cell.value is not None:
        attrs = (f' class="num" data-value="{escape(cell.value)}" '
                 f'title="{escape(cell.value)}"')
    return f"<{tag}{attrs}>{text}</{tag}>"


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in table.rows)
    return (f'<div class="table-wrap"><table><caption>{escape(table.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _block(block, svgs: dict, captions: dict) -> str:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Paragraph):
        cls = ' class="summary"' if block.emphasis else ""
        return f"<p{cls}>{escape(block.text)}</p>"
    if isinstance(block, FigureRef):
        if block.name not in svgs:
            return f'<p class="missing">{escape(block.missing)}</p>' if block.missing else ""
        return (f'<figure id="fig-{block.name}">{svgs[block.name]}'
                f"<figcaption>{escape(captions[block.name])}</figcaption></figure>")
    raise TypeError(f"unknown block {block!r}")


def render_html(title: str, meta: str, sections: list[Section], svgs: dict[str, str],
                captions: dict[str, str], footer: str) -> str:
    """The page; ``svgs`` maps figure names to inline SVG text (:func:`qmlc.reports.plots.to_svg`)."""
    toc = "".join(f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>' for s in sections)
    body = []
    for i, section in enumerate(sections, 1):
        blocks = "".join(_block(b, svgs, captions) for b in section.blocks)
        body.append(f'<section id="{section.anchor}"><h2>{i}. {escape(section.title)}</h2>'
                    f"{blocks}</section>")
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><p class=\"meta\">{escape(meta)}</p>"
            f"<nav><ol>{toc}</ol></nav></header>"
            + "".join(body)
            + f"<footer>{escape(footer)}</footer></body></html>\n")


__all__ = ["render_html"]
