"""The weekly mail (issue 16, contract 4.4/4.5): the weekly workbook sent to the manager, with the KPI table and
the root causes in the body (docs/email.md).

The body is rendered from two templates users can edit, `weekly.txt` (plain text; its first line `Subject: ...`
is the subject) and `weekly.html` (HTML, autoescaped: a customer named `<script>` stays text), through the same
pipeline as notify's messages (`rendering`): looked up in the `email_templates` folder first, then in the shipped
omxl/shipped/email/, in the report templates' sandbox. The KPIs read in the words every surface uses
(omxl/presentation/kpi_words.py), so the mail says what the terminal, the notebook and the Summary sheet say;
the raw values are in the context too.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..config import load_config
from ..errors import OmxlError
from ..money import money_text
from ..presentation.kpi_words import blank as _blank, kpi_words, reason_words, target_words
from .rendering import render
from .smtp import SendReport, send_messages

KIND = "weekly"  # its templates: weekly.txt (the first line the subject) and weekly.html
MAX_CAUSES = 5  # keys shown per dimension in the body; the workbook's Summary has them all
BLANK = "n/a"   # a root cause's figure with nothing to count: never shown as 0
DIMENSION_LABELS = {"supplier": "Supplier", "carrier": "Carrier", "sku": "SKU", "customer": "Customer"}
ATTACHMENT_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
    ".csv": ("text", "csv"),
    ".json": ("application", "json"),
}


def _percent(value: float) -> str:
    return kpi_words(value, "fraction")  # a share reads as a rate KPI does


def _count(value: float) -> str:
    return kpi_words(value, "lines")     # lines and units read as count KPIs do


def kpi_rows(kpis: pd.DataFrame) -> list[dict[str, Any]]:
    """The KPI table as template rows: the report's columns plus value_text, previous_text, change_text,
    target_text ("95.0%, on target") and reason_text (why something is blank), in the words every surface uses
    (omxl/presentation/kpi_words.py; blank as "")."""
    rows = []
    for record in kpis.to_dict("records"):
        unit, currency = record["unit"], record.get("currency")
        texts = {"value_text": kpi_words(record["value"], unit, currency),
                 "previous_text": kpi_words(record["previous"], unit, currency),
                 "change_text": kpi_words(record["change"], unit, currency, signed=True),
                 "target_text": target_words(record.get("target"), record.get("on_target"), unit, currency),
                 "reason_text": reason_words(record.get("reason"), per_row=True)}
        rows.append({**{k: (None if _blank(v) else v) for k, v in record.items()}, **texts})
    return rows


def cause_groups(causes: pd.DataFrame, top: int = MAX_CAUSES) -> list[dict[str, Any]]:
    """Root causes per dimension, largest first as the report sorts them: the first `top` keys with their
    figures as text, and how many more the workbook lists."""
    groups = []
    for dimension in pd.unique(causes["dimension"]):
        part = causes[causes["dimension"] == dimension]
        rows = []
        for record in part.head(top).to_dict("records"):
            currency = record.get("currency")
            if _blank(record["value"]):
                value = "several currencies" if currency == "mixed" else BLANK
            else:
                value = money_text(float(record["value"]), None if _blank(currency) else currency)
            rows.append({"key": str(record["key"]), "lines": _count(float(record["lines"])),
                         "units": _count(float(record["units"])), "value": value,
                         "share": BLANK if _blank(record["share"]) else _percent(float(record["share"])),
                         "cumulative_share": BLANK if _blank(record["cumulative_share"])
                         else _percent(float(record["cumulative_share"]))})
        groups.append({"dimension": str(dimension), "label": DIMENSION_LABELS.get(str(dimension), str(dimension)),
                       "rows": rows, "more": max(len(part) - top, 0)})
    return groups


def compose_weekly_mail(kpis: pd.DataFrame, causes: pd.DataFrame, workbook: str | Path, *,
                        to: str | Sequence[str], as_of: dt.date | str, sender: str | None = None,
                        template_dir: str | Path | None = None) -> EmailMessage:
    """The weekly mail to `to`: plain text and HTML alternatives rendered from weekly.txt and weekly.html (those
    in `template_dir`, the `email_templates` folder, when it has them, else the shipped ones; TemplateError names
    a template that cannot be rendered), the workbook at `workbook` attached. `kpis` and `causes` are the
    report's frames (report.kpis, report.causes)."""
    recipients = recipient_list(to)
    workbook = Path(workbook)
    day = pd.Timestamp(as_of).date()
    year, week, _ = day.isocalendar()
    context = {
        "as_of": day.isoformat(), "period_start": (day - dt.timedelta(days=6)).isoformat(),
        "week": f"{year}-W{week:02d}", "workbook": workbook.name,
        "kpis": kpi_rows(kpis), "causes": cause_groups(causes), "has_previous": bool(kpis["previous"].notna().any()),
        # The target column only when a target is set (`[targets]`): most teams set none.
        "has_targets": bool(kpis["target"].notna().any()) if "target" in kpis else False,
    }
    folder = None if template_dir is None else str(template_dir)
    text = render(KIND, "txt", context, folder)
    subject, text = _subject(text, context["week"])
    html = render(KIND, "html", context, folder)

    message = EmailMessage()
    message["Subject"] = subject
    if sender is not None:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender or "")[1].rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    _attach(message, workbook)
    return message


def recipient_list(to: str | Sequence[str]) -> list[str]:
    """The --mail-to addresses as given, each checked: OmxlError naming a value that is not an address (or that
    holds a line break, which would add a header)."""
    given = [to] if isinstance(to, str) else list(to)
    found = getaddresses(given)
    bad = [text for text in given if "\r" in text or "\n" in text]
    if not given or bad or any("@" not in address for _, address in found) or not found:
        shown = ", ".join(repr(text) for text in (bad or given)) or "nothing"
        raise OmxlError(f"--mail-to {shown} is not an e-mail address; write one such as manager@example.com "
                        "(several: repeat --mail-to).")
    return [text.strip() for text in given]


def _subject(text: str, week: str) -> tuple[str, str]:
    """The first line 'Subject: ...' of the text template is the subject (one line, whitespace collapsed); the
    body is what follows the blank line after it. Without one, the subject is 'Weekly order status <week>'."""
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        return f"Weekly order status {week}", text
    return " ".join(first[len("subject:"):].split()), rest.lstrip("\n")


def _attach(message: EmailMessage, workbook: Path) -> None:
    maintype, subtype = ATTACHMENT_TYPES.get(workbook.suffix.lower(), ("application", "octet-stream"))
    try:
        data = workbook.read_bytes()
    except OSError as exc:
        raise OmxlError(f"{workbook}: cannot read the workbook to attach ({exc.strerror or exc}). Save the "
                        "report first (--out).") from None
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=workbook.name)


def mail_weekly_report(report: Any, workbook: str | Path, *, to: str | Sequence[str],
                       as_of: dt.date | str | None = None, config: Any = None, smtp: str | None = None,
                       sender: str | None = None, template_dir: str | Path | None = None) -> SendReport:
    """Compose the weekly mail from `report` (its `.kpis` and `.causes`) with the saved `workbook` attached, and
    send it through the configured SMTP server (`smtp` and `sender` override host:port and From, as in
    send_messages); `as_of` defaults to the report's; the templates are those of `template_dir`, else of the
    `email_templates` setting, else the shipped ones. Returns the SendReport; raises OmxlError when nothing
    could be sent."""
    config = load_config(config)
    as_of = as_of if as_of is not None else report.as_of
    message = compose_weekly_mail(report.kpis, report.causes, workbook, to=to, as_of=as_of,
                                  sender=sender or config.smtp.sender,
                                  template_dir=template_dir if template_dir is not None else config.email_templates)
    return send_messages([message], config=config, smtp=smtp, sender=sender)
