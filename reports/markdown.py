"""The report as Markdown (GitHub-flavoured tables), its figures as PNG files beside it."""

from __future__ import annotations

from qmlc.reports.report_document import Cell, FigureRef, Paragraph, Section, Table


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell(cell: Cell) -> str:
    text = _escape(cell.text)
    return f"**{text}**" if cell.status or cell.strong else text


def _table(table: Table) -> str:
    lines = ["| " + " | ".join(_escape(h) for h in table.header) + " |",
             "|" + "|".join("---" for _ in table.header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + f"\n\n*{_escape(table.caption)}*\n"


def render_markdown(title: str, meta: str, sections: list[Section], images: dict[str, str],
                    captions: dict[str, str], footer: str) -> str:
    """``images`` maps figure names to their relative PNG paths."""
    out = [f"# {title}", "", meta, ""]
    for i, section in enumerate(sections, 1):
        out += [f"## {i}. {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                out.append(_table(block))
            elif isinstance(block, Paragraph):
                out += [f"**{block.text}**" if block.emphasis else block.text, ""]
            elif isinstance(block, FigureRef) and block.name in images:
                out += [f"![{_escape(captions[block.name])}]({images[block.name]})", "",
                        f"*{_escape(captions[block.name])}*", ""]
            elif isinstance(block, FigureRef) and block.missing:
                out += [f"*{block.missing}*", ""]
    out += ["---", "", footer, ""]
    return "\n".join(out)


__all__ = ["render_markdown"]
