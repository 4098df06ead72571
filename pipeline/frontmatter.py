"""Front matter of UN documents (both languages): symbol, distribution, dates, session, agenda, title."""

from __future__ import annotations

import re

from pipeline.document import Meta
from pipeline.textutil import iso_date, month_number

SYMBOL_RE = re.compile(r"(?<![A-Za-z0-9/])[A-Z]{1,8}(?:/[A-Za-z0-9][A-Za-z0-9.\-]*)*/[A-Za-z0-9.\-]*\d[A-Za-z0-9.\-]*")
_LANG_NAMES = {
    "english": "en", "french": "fr", "spanish": "es", "russian": "ru", "arabic": "ar", "chinese": "zh",
    "英文": "en", "英语": "en", "法文": "fr", "法语": "fr", "西班牙文": "es", "西班牙语": "es", "俄文": "ru",
    "俄语": "ru", "阿拉伯文": "ar", "阿拉伯语": "ar", "中文": "zh", "汉语": "zh",
}
ORGANS = (
    "大会", "安全理事会", "经济及社会理事会", "人权理事会", "托管理事会", "秘书处", "国际法院",
    "General Assembly", "Security Council", "Economic and Social Council", "Human Rights Council",
    "Trusteeship Council", "Secretariat", "International Court of Justice",
)
_SKIP_LINES = {"联合国", "United Nations", "Nations Unies"}
_SUBTITLE_RE = re.compile(
    r"^(?:秘书长的(?:报告|说明)|秘书处的说明|.{0,30}的(?:报告|说明)$|"
    r"(?:Report|Note) (?:of|by) the .{1,80}$)"
)
_DISTR_RE = re.compile(r"Distr\.?\s*[:：]\s*([A-Za-z]+)|分发[:：]\s*(\S+)")
_EN_DATE_RE = re.compile(r"^(\d{1,2})\s+([A-Z][a-z]+)\s+(\d{4})$")
_ZH_DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_ORIGINAL_RE = re.compile(r"^(?:Original|原文)\s*[:：]\s*(\S+)")
_ZH_SESSION_DATES_RE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:至|-|–|—)\s*(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日"
)
_EN_SESSION_DATES_RE = re.compile(
    r"(\d{1,2})(?:\s+([A-Z][a-z]+)(?:\s+(\d{4}))?)?\s*[-–—]\s*(\d{1,2})\s+([A-Z][a-z]+)\s+(\d{4})"
)
_ZH_AGENDA_RE = re.compile(r"(?:(临时)?议程\s*[*⁎]*\s*)?项目\s*(\d+\s*(?:\(\s*[a-z]\s*\)|（\s*[a-z]\s*）)?)")
_EN_AGENDA_RE = re.compile(
    r"(?:Item|Agenda item)\s+(\d+\s*(?:\(\s*[a-z]\s*\))?)(?:\s+of the (provisional )?(?:preliminary )?agenda)?",
    re.IGNORECASE,
)
_ZH_SESSION_RE = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+届(?:会议|会)|\d{4}\s*年.{0,8}会议|.{0,12}届会)$")
_EN_SESSION_RE = re.compile(r"\bsession\b", re.IGNORECASE)


def find_symbols(text: str) -> list[str]:
    out = []
    for match in SYMBOL_RE.finditer(text):
        symbol = match.group(0).rstrip(".-")
        if symbol not in out:
            out.append(symbol)
    return out


def parse_front_matter(lines: list[str], language: str) -> Meta:
    """Fill a Meta from the lines before the summary, contents or body."""
    meta = Meta(language=language)
    rest: list[str] = []
    agenda_seen = False
    after_agenda: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        consumed = _consume(meta, line, language)
        if consumed == "agenda":
            agenda_seen = True
            continue
        if consumed:
            continue
        (after_agenda if agenda_seen else rest).append(line)
    title_lines = after_agenda
    if agenda_seen and after_agenda:
        meta.agenda_title = after_agenda[0]
        title_lines = after_agenda[1:]
    elif not agenda_seen:
        title_lines = rest
    if title_lines and _SUBTITLE_RE.match(title_lines[-1]):
        meta.subtitle = title_lines[-1]
        title_lines = title_lines[:-1]
    if title_lines:
        joiner = "" if language == "zh" else " "
        meta.title = joiner.join(title_lines)
    if meta.symbol and meta.symbol not in meta.symbols:
        meta.symbols.insert(0, meta.symbol)
    return meta


def _consume(meta: Meta, line: str, language: str) -> str | None:
    """Record what ``line`` tells; return what kind of line it was, or None for title text."""
    symbols = find_symbols(line)
    bare = line
    for symbol in symbols:
        bare = bare.replace(symbol, " ")
    bare = bare.strip(" \t")
    if line in _SKIP_LINES:
        return "skip"
    if symbols and (not bare or bare in _SKIP_LINES or bare in ORGANS):
        meta.symbol = meta.symbol or symbols[0]
        for symbol in symbols:
            if symbol not in meta.symbols:
                meta.symbols.append(symbol)
        if bare in ORGANS:
            meta.organ = meta.organ or bare
        return "symbol"
    for organ in ORGANS:
        if line == organ or (line.startswith(organ) and _DISTR_RE.search(line)):
            meta.organ = meta.organ or organ
            if not _DISTR_RE.search(line):
                return "organ"
    distr = _DISTR_RE.search(line)
    if distr:
        meta.distribution = distr.group(1) or distr.group(2)
        return "distribution"
    date = _EN_DATE_RE.match(line)
    if date and month_number(date.group(2)):
        meta.date = meta.date or iso_date(date.group(3), month_number(date.group(2)), date.group(1))
        return "date"
    date = _ZH_DATE_RE.match(line)
    if date:
        meta.date = meta.date or iso_date(*date.groups())
        return "date"
    original = _ORIGINAL_RE.match(line)
    if original:
        meta.original_language = _LANG_NAMES.get(original.group(1).lower().rstrip("。."), original.group(1))
        return "original"
    if line.lower() in _LANG_NAMES and len(line) < 12:
        return "language"
    if _session_dates(meta, line, language):
        return "session_dates"
    agenda = _ZH_AGENDA_RE.search(line) if "项目" in line else _EN_AGENDA_RE.search(line)
    if agenda and len(line) < 80 and ("议程" in line or "agenda" in line.lower() or line.startswith("项目")):
        groups = [g for g in agenda.groups() if g and g[0].isdigit()]
        meta.agenda_item = re.sub(r"\s+", "", groups[0]).replace("（", "(").replace("）", ")")
        return "agenda"
    if meta.session is None and (
        (language == "zh" and _ZH_SESSION_RE.match(line))
        or (language == "en" and _EN_SESSION_RE.search(line) and len(line) < 60)
    ):
        meta.session = line
        return "session"
    return None


def _session_dates(meta: Meta, line: str, language: str) -> bool:
    if len(line) > 60:
        return False
    match = _ZH_SESSION_DATES_RE.search(line)
    if match:
        y1, m1, d1, y2, m2, d2 = match.groups()
        meta.session_dates = line
        meta.session_start = iso_date(y1, m1, d1)
        meta.session_end = iso_date(y2 or y1, m2 or m1, d2)
        return True
    match = _EN_SESSION_DATES_RE.search(line)
    if match:
        d1, mon1, y1, d2, mon2, y2 = match.groups()
        m2 = month_number(mon2)
        m1 = month_number(mon1) if mon1 else m2
        if m1 and m2:
            meta.session_dates = line
            meta.session_start = iso_date(y1 or y2, m1, d1)
            meta.session_end = iso_date(y2, m2, d2)
            return True
    return False
