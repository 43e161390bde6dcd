"""notify: the messages a day's position calls for, written the way the team wants, never sent twice for the
same news (contract 4.5, docs/notify.md).

`news` builds what each recipient should hear as tables, `compose` renders one draft per recipient through
the e-mail templates (`rendering`), `envelope` makes them `EmailMessage`s whose headers data cannot break,
and `told` decides, against the run history, whose news changed since they were last written to.
"""

from __future__ import annotations

import dataclasses
import os
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pandas as pd

from ..book import Book
from ..config import Config
from ..errors import ConfigError
from ..findings import empty_findings
from .smtp import send_messages
from ..io.safety import output_path, safe_filename
from ..io.save.atomic import atomic_save, ensure_folder, verify_text
from ..planning import plan_reorders
from ..position import Position, prepare
from ..presentation.notebook import result_html
from ..presentation.sheets import fill_rows, result_sheet
from ..presentation.summary_sheet import COUNT, with_summary
from ..reconciliation import reconcile
from ..reporting.history import History, open_history
from ..steps import figures_frame
from . import compose, envelope, news
from .compose import AUDIENCE, KINDS, Draft
from .told import changed


if TYPE_CHECKING:
    from .smtp import SendReport

__all__ = ["MESSAGE_COLUMNS", "Messages", "notify"]

MESSAGE_COLUMNS = ("kind", "recipient_id", "name", "to", "subject", "key", "changed", "due", "problem", "lines",
                   "attachments")
# The Messages sheet's columns: what a person checks before sending.
SHEET_COLUMNS = ("kind", "recipient_id", "name", "to", "subject", "lines", "due", "problem", "attachments")


@dataclasses.dataclass(frozen=True)
class Messages:
    """What notify found to say. See docs/notify.md.

    messages  one row per recipient with news (MESSAGE_COLUMNS): `to` the address (blank when there is none
              usable, `problem` says why), `key` "kind:recipient id", `changed` whether the news differs from
              what the run history says the recipient was last told, `due` whether it goes out (changed, or
              force), `lines` how many lines the message lists, `attachments` the attached file names
    news      per kind, the lines of every message, with `key`
    """

    messages: pd.DataFrame
    news: dict[str, pd.DataFrame]
    as_of: pd.Timestamp
    config: Config
    history: History | None = None
    drafts: tuple[Draft, ...] = dataclasses.field(default=(), repr=False)
    # The prepared position it started from: what was read, for the Summary sheet and the findings.
    position: Position | None = dataclasses.field(default=None, repr=False, compare=False)
    step: ClassVar[str] = "notify"   # its entry in omxl.steps.REGISTRY

    def __repr__(self) -> str:
        due = self.messages["due"]
        missing = int(self.messages["to"].isna().sum())
        return (f"<omxl.Messages as of {self.as_of:%Y-%m-%d}: {len(self.messages):,} recipients with news, "
                f"{int(due.sum()):,} due, {missing:,} without a usable address>")

    def _repr_html_(self) -> str:
        return result_html(self, "Messages", self.messages[list(SHEET_COLUMNS)], "Recipients with news")

    @property
    def figures(self) -> pd.DataFrame:
        """Recipients with news, messages due, those without a usable address, per kind (omxl.steps.Result)."""
        frame = self.messages
        due = frame["due"].to_numpy(dtype=bool)
        rows = [("Recipients with news", len(frame), COUNT, "", "on the Messages sheet"),
                ("Messages due", int(due.sum()), COUNT, "", "news changed since last told, or --force"),
                ("Without an address", int((due & frame["to"].isna().to_numpy(dtype=bool)).sum()), COUNT, "",
                 "written without a To, never sent")]
        counts = frame["kind"].value_counts()
        rows += [(f"Kind: {kind}", int(counts.get(kind, 0)), COUNT, "", "") for kind in KINDS if kind in counts]
        return figures_frame(rows)

    @property
    def findings(self) -> pd.DataFrame:
        """The validation issues of the rows the messages started from (each left out of every message)."""
        return self.position.issues if self.position is not None else empty_findings()

    def result_sheets(self) -> dict[str, object]:
        """The Summary, then the Messages sheet: one row per recipient with news, whether it goes out and why
        not (no usable address)."""
        labels = self.config.labels
        shown = self.messages[list(SHEET_COLUMNS)]
        sheets = {"Messages": result_sheet(shown, "Messages", labels=labels,
                                           row_fill=fill_rows(shown, warning=shown["problem"].notna()))}
        return with_summary(self, sheets) if self.position is not None else sheets

    def _draft(self, key: str) -> Draft:
        for draft in self.drafts:
            if draft.key == key:
                return draft
        raise KeyError(f"no message for {key!r}; the keys are in messages['key']")

    def sender(self, sender: object = None) -> Address | None:
        """The From address: `sender` when given, else the configured one; None when neither is set."""
        if sender is None:
            sender = self.config.smtp.sender
        if sender is None:
            return None
        try:
            return envelope.sender_address(sender)
        except ValueError as exc:
            raise ConfigError(f"sender: {exc}.") from None

    def email(self, key: str, *, sender: object = None) -> EmailMessage:
        """The message for `key` (a value of messages['key']) as an EmailMessage."""
        draft = self._draft(key)
        to = envelope.mailbox(draft.name, draft.to) if draft.to is not None else None
        return envelope.build(to=to, sender=self.sender(sender), subject=draft.subject, text=draft.text,
                              html=draft.html, local_id=draft.local_id, attachments=draft.attachments)

    def write(self, folder: str | os.PathLike, *, sender: object = None) -> list[Path]:
        """Every due message as an .eml file in `folder` (made when missing; its parent must exist), named
        "<kind> <recipient id> <name>.eml". Messages without a usable address are written too (without To), to
        print or forward. Each file is written atomically; nothing is recorded in the run history."""
        target = ensure_folder(folder)
        written: list[Path] = []
        taken: set[str] = set()
        frm = self.sender(sender)
        for row in self.messages[self.messages["due"]].itertuples(index=False):
            base = envelope.header_text(f"{row.kind} {row.recipient_id}"
                                        + (f" {row.name}" if pd.notna(row.name) else ""))
            name, n = safe_filename(base), 1
            while name.casefold() in taken:  # two ids that read alike once made safe for a file name
                n += 1
                name = safe_filename(f"{base} ({n})")
            taken.add(name.casefold())
            path = output_path(target, name, ".eml")
            message = self.email(row.key, sender=frm)
            with atomic_save(path, backup=False, verify=verify_text) as temp:
                temp.write_bytes(message.as_bytes(policy=policy.SMTP))
            written.append(path)
        return written

    def sendable(self) -> pd.DataFrame:
        """The rows of `messages` that `send` sends: due, with a usable address."""
        return self.messages[self.messages["due"] & self.messages["to"].notna()]

    def send(self, smtp: str | None = None, *, sender: object = None) -> "SendReport":
        """Send every due message with a usable address through SMTP (the `[smtp]` settings, docs/email.md;
        `smtp="host:port"` overrides the server, `sender` the From). After each message the server accepted, what
        it told its recipient is recorded in the run history, so a send interrupted half-way records only what
        went out. Returns omxl.messaging.smtp.SendReport: `sent` (Message-IDs) and `refused` (to, message_id, reason);
        a refused recipient does not stop the others. Raises OmxlError before sending anything when the server
        cannot be reached or the settings lack what sending needs."""
        frm = self.sender(sender)
        emails = [self.email(key, sender=frm) for key in self.sendable()["key"]]
        return send_messages(emails, config=self.config, smtp=smtp, sender=None if frm is None else str(frm),
                             on_sent=self.record_sent)

    def outcomes(self, report: "SendReport") -> dict[str, str]:
        """Per key of `messages`, what sending did with it ("sent", "refused: <reason>"), from a SendReport."""
        ids = {draft.local_id: draft.key for draft in self.drafts}
        out = {key: "sent" for key in (ids.get(envelope.local_part(value)) for value in report.sent)
               if key is not None}
        for row in report.refused.itertuples(index=False):
            key = ids.get(envelope.local_part(row.message_id))
            if key is not None:
                out[key] = f"refused: {row.reason}" if key not in out else f"sent; refused for {row.to}: {row.reason}"
        return out

    def record_sent(self, message: EmailMessage) -> None:
        """Record in the run history what `message` (one of these, as sent) told its recipient. Sending calls
        this after each message the server accepted; without a history it does nothing."""
        if self.history is None:
            return
        local = envelope.local_part(message["Message-ID"])
        for draft in self.drafts:
            if draft.local_id == local:
                self.history.record_told(kind=draft.kind, recipient=draft.recipient, items=draft.items,
                                         as_of=self.as_of, message_id=str(message["Message-ID"]))
                return
        raise KeyError(f"{message['Message-ID']} is not one of these messages")


def notify(book: "Book | Position", *, as_of: object = None, config: "Config | dict | str | None" = None,
           force: bool = False, history: "History | str | os.PathLike | None" = None) -> Messages:
    """The messages the position calls for as of `as_of`: a delay notice per customer with late, at-risk or
    backordered lines; a purchase-order message per supplier with a draft (the drafts attached); shipped notices
    when `shipped_notice_days` is set; a payment reminder per customer with invoices open at least
    `payment_reminder_days` days past due when that is set. `history` (a History or a path; default: the `history` setting, else
    none) says what each recipient was told; with force=True every message is due. See docs/notify.md."""
    position = prepare(book, as_of=as_of, config=config)
    settings = position.config
    history = open_history(history, settings)
    rec, plan = reconcile(position), plan_reorders(position)
    folder = settings.email_templates
    people = {table: compose.recipients(position, table) for table in set(AUDIENCE.values())}
    tables = {"customer-delay": news.delay_lines(rec, position), "supplier-po": news.po_lines(plan)}
    if settings.shipped_notice_days is not None:
        tables["customer-shipped"] = news.shipped_lines(rec, position, settings.shipped_notice_days)
    if settings.payment_reminder_days is not None:
        tables["customer-payment-reminder"] = news.payment_lines(rec, position, settings.payment_reminder_days)
    po_context, po_attachments = compose.po_parts(plan)
    parts = {"customer-delay": (compose.delay_context, None), "customer-shipped": (compose.shipped_context, None),
             "customer-payment-reminder": (compose.payment_context, None),
             "supplier-po": (po_context, po_attachments)}
    drafts: list[Draft] = []
    keyed: dict[str, pd.DataFrame] = {}
    for kind in KINDS:
        if kind not in tables:
            continue
        lines = tables[kind]
        keyed[kind] = lines.assign(key=(kind + ":" + lines["recipient"].astype(str)).astype("string[python]"))
        context_of, attachments_of = parts[kind]
        drafts += compose.drafts_for(kind, lines, people[AUDIENCE[kind]], context_of, position, folder,
                                     attachments_of)
    read = set(position.book.layout["table"].dropna())
    frame = _frame(drafts, people, read)
    if len(frame):
        all_news = pd.concat([lines.assign(kind=kind)[["key", "kind", "recipient", "item", "state"]]
                              for kind, lines in keyed.items()], ignore_index=True)
        fresh = changed(all_news, history.told() if history is not None else None)
        frame["changed"] = frame["key"].map(fresh).astype(bool)
        frame["due"] = frame["changed"] | bool(force)
    return Messages(messages=frame, news=keyed, as_of=position.as_of, config=settings, history=history,
                    drafts=tuple(drafts), position=position)


def _frame(drafts: list[Draft], people: dict[str, pd.DataFrame], read: set[str]) -> pd.DataFrame:
    """One row per draft (MESSAGE_COLUMNS); `read` names the tables the book has, to say why an address is
    missing."""
    rows = []
    for draft in drafts:
        audience = AUDIENCE[draft.kind]
        table = people[audience]
        if draft.recipient in table.index:
            problem = table.loc[draft.recipient, "problem"]
            problem = None if pd.isna(problem) else str(problem)
        elif audience in read:
            problem = f"not in the {audience} table, so no e-mail address"
        else:
            problem = f"the book has no {audience} table, so no e-mail address"
        rows.append((draft.kind, draft.recipient, draft.name, draft.to, draft.subject, draft.key, True, True,
                     problem, len(draft.items), "; ".join(name for name, _ in draft.attachments) or None))
    frame = pd.DataFrame(rows, columns=list(MESSAGE_COLUMNS))
    text = ["kind", "recipient_id", "name", "to", "subject", "key", "problem", "attachments"]
    return frame.astype({**{c: "string[python]" for c in text}, "changed": bool, "due": bool, "lines": int})
