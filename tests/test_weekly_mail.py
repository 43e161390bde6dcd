"""The weekly mail (omxl/messaging/weekly.py): the body from hand-built KPI and root-cause frames, exact text;
HTML escaping; the attachment; sent through a real aiosmtpd server on 127.0.0.1 (tests/smtp_server.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from conftest import SAMPLE as SAMPLE_PATH
from omxl.cli import cli
from omxl.messaging.weekly import compose_weekly_mail, kpi_rows, mail_weekly_report
from smtp_server import free_port

AS_OF = "2026-11-27"  # ISO week 2026-W48; the period is 2026-11-21 .. 2026-11-27
SENDER = "Orders <orders@example.com>"


def hand_kpis() -> pd.DataFrame:
    return pd.DataFrame({
        "kpi": ["lines_due", "otif_line_rate", "shipped_value", "shipped_value", "order_cycle_time", "return_rate",
                "late_lines"],
        "label": ["Lines due", "OTIF line rate", "Shipped value", "Shipped value", "Order cycle time", "Return rate",
                  "Late lines"],
        "value": [12.0, 0.8125, 1234.5, 99.0, 6.25, np.nan, 1500.0],
        "previous": [10.0, 0.75, 1000.0, np.nan, 7.0, 0.1, 1500.0],
        "change": [2.0, 0.0625, 234.5, np.nan, -0.75, np.nan, 0.0],
        "unit": ["lines", "fraction", "money", "money", "days", "fraction", "lines"],
        "currency": [None, None, "EUR", "USD", None, None, None],
        "reason": [None, None, None, None, None, "nothing shipped in the period", None],
    })


def hand_causes() -> pd.DataFrame:
    units = [14.0, 2.5, 10.0, 6.5]
    return pd.DataFrame({
        "dimension": ["supplier", "supplier", "customer", "customer"],
        "key": ["Euro Parts", "(none)", "<script>alert(1)</script>", "K2 & Sons"],
        "lines": [3, 1, 2, 2], "units": units, "value": [140.0, np.nan, 80.0, np.nan],
        "share": [14 / 16.5, 2.5 / 16.5, 10 / 16.5, 6.5 / 16.5],
        "cumulative_share": [14 / 16.5, 1.0, 10 / 16.5, 1.0],
        "currency": ["EUR", None, "EUR", "mixed"],
    })


EXPECTED_TEXT = """\
Hello,

here is the order status for the week 2026-11-21 to 2026-11-27 (2026-W48). The workbook
status-2026-W48.xlsx is attached, with every late and at-risk line, the backorders, the reorder list and the charts.

KEY FIGURES
KPI                                       This week                   Last run         Change  Note
Lines due                                        12                         10             +2
OTIF line rate                                81.3%                      75.0%       +6.3 pts
Shipped value                          EUR 1,234.50               EUR 1,000.00    EUR +234.50
Shipped value                             USD 99.00
Order cycle time                           6.3 days                   7.0 days      -0.8 days
Return rate                                                              10.0%                 nothing shipped in the period
Late lines                                    1,500                      1,500              0

WHAT IS LATE OR BACKORDERED, AND WHERE

Supplier                  Lines    Units                      Value   Share     Cumul.
Euro Parts                    3       14                 EUR 140.00   84.8%      84.8%
(none)                        1     2.50                        n/a   15.2%     100.0%

Customer                  Lines    Units                      Value   Share     Cumul.
<script>alert(1)</script>      2       10                  EUR 80.00   60.6%      60.6%
K2 & Sons                     2     6.50         several currencies   39.4%     100.0%

This mail was written by omxl from the order workbook as of 2026-11-27.
"""


@pytest.fixture
def workbook(tmp_path):
    """A saved workbook standing for the weekly report (the real one is tested in the weekly report's tests)."""
    path = tmp_path / "status-2026-W48.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active["A1"], book.active["B1"] = "Lines due", 12
    book.save(path)
    return path


def test_the_body_holds_the_kpis_and_causes_as_the_report_has_them(workbook):
    mail = compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="manager@example.com", as_of=AS_OF,
                               sender=SENDER)
    assert mail["Subject"] == "Weekly order status 2026-W48 (week ending 2026-11-27)"
    assert (mail["From"], mail["To"]) == (SENDER, "manager@example.com")
    assert mail.get_body(("plain",)).get_content() == EXPECTED_TEXT
    assert [part.get_content_type() for part in mail.iter_parts()] == [
        "multipart/alternative", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


def test_the_kpi_texts_match_an_independent_formatting():
    kpis = hand_kpis()
    rows = kpi_rows(kpis)
    # Independently: rates as percentages with one decimal, rounded half up as Excel's 0.0% shows them.
    rates = kpis[kpis["unit"] == "fraction"]["value"]
    expected = [("" if pd.isna(v) else f"{np.floor(v * 1000 + 0.5) / 10:.1f}%") for v in rates]
    assert [r["value_text"] for r in rows if r["unit"] == "fraction"] == expected == ["81.3%", ""]
    money = kpis[kpis["unit"] == "money"]
    assert [r["value_text"] for r in rows if r["unit"] == "money"] == [
        f"{c} {v:,.2f}" for v, c in zip(money["value"], money["currency"])]


def test_html_escapes_what_came_from_the_workbook(workbook):
    mail = compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="manager@example.com", as_of=AS_OF,
                               sender=SENDER)
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<td>K2 &amp; Sons</td>" in html
    assert ('<tr style="border-bottom: 1px solid #ddd;"><td>OTIF line rate</td><td align="right">81.3%</td>'
            '<td align="right">75.0%</td><td align="right">+6.3 pts</td><td></td></tr>') in html
    assert ('<tr style="border-bottom: 1px solid #ddd;"><td>Return rate</td><td align="right"></td>'
            '<td align="right">10.0%</td><td align="right"></td><td>nothing shipped in the period</td></tr>') in html
    assert "There is no earlier run to compare with yet" not in html


def test_the_attachment_opens_as_the_workbook(workbook):
    mail = compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="manager@example.com", as_of=AS_OF)
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "status-2026-W48.xlsx"
    opened = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert opened.sheetnames == ["Summary"]
    assert (opened["Summary"]["A1"].value, opened["Summary"]["B1"].value) == ("Lines due", 12)


def test_a_first_run_says_there_is_nothing_to_compare_with(workbook):
    kpis = hand_kpis().assign(previous=np.nan, change=np.nan)
    mail = compose_weekly_mail(kpis, hand_causes().iloc[0:0], workbook, to="manager@example.com", as_of=AS_OF)
    text = mail.get_body(("plain",)).get_content()
    assert "\nLines due                                        12\n" in text  # no previous value: blank
    assert ("\nThere is no earlier run to compare with yet: next week's mail shows the changes.\n\n"
            "WHAT IS LATE OR BACKORDERED, AND WHERE\n\nNothing is late or backordered.\n") in text
    assert "<p>Nothing is late or backordered.</p>" in mail.get_body(("html",)).get_content()


def test_only_the_largest_causes_are_in_the_body(workbook):
    causes = pd.DataFrame({"dimension": ["sku"] * 7, "key": [f"SKU-{n}" for n in range(7)],
                           "lines": [1] * 7, "units": [7.0, 6, 5, 4, 3, 2, 1], "value": [1.0] * 7,
                           "share": [0.25] * 7, "cumulative_share": [0.5] * 7, "currency": ["EUR"] * 7})
    text = compose_weekly_mail(hand_kpis(), causes, workbook, to="m@example.com",
                               as_of=AS_OF).get_body(("plain",)).get_content()
    assert "SKU-4" in text and "SKU-5" not in text
    assert "\n... and 2 more in the workbook's Summary sheet.\n" in text


def test_edited_templates_are_used_and_stay_in_the_sandbox(workbook, tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "weekly.txt").write_text("Subject: KPIs {{ week }}\n\n{% for k in kpis %}{{ k.kpi }}={{ k.value_text }}\n"
                                       "{% endfor %}", encoding="utf-8")
    (folder / "weekly.html").write_text("<p>{{ causes[1].rows[0].key }}</p>", encoding="utf-8")
    mail = compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="m@example.com", as_of=AS_OF,
                               template_dir=folder)
    assert mail["Subject"] == "KPIs 2026-W48"
    assert mail.get_body(("plain",)).get_content().splitlines()[:2] == ["lines_due=12", "otif_line_rate=81.3%"]
    assert mail.get_body(("html",)).get_content() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"

    # The same pipeline as notify's: a sandboxed expression, an unknown name, a filter given text each raise the
    # TemplateError naming the file.
    (folder / "weekly.html").write_text("{{ kpis.__class__ }}", encoding="utf-8")
    with pytest.raises(omxl.TemplateError) as caught:
        compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="m@example.com", as_of=AS_OF,
                            template_dir=folder)
    assert str(caught.value) == (f"Template '{folder / 'weekly.html'}', the template: refused: access to '__class__' "
                                 "is not allowed: a template cannot reach Python internals; nothing was run.")

    (folder / "weekly.html").write_text("<p>\n{{ totals }}</p>", encoding="utf-8")
    with pytest.raises(omxl.TemplateError) as caught:
        compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="m@example.com", as_of=AS_OF,
                            template_dir=folder)
    assert str(caught.value) == (f"Template '{folder / 'weekly.html'}', the template: 'totals' is undefined (the "
                                 "context holds: as_of, causes, has_previous, has_targets, kpis, period_start, week, workbook).")

    (folder / "weekly.html").write_text("{{ causes[0].label | percent }}", encoding="utf-8")
    with pytest.raises(omxl.TemplateError) as caught:
        compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="m@example.com", as_of=AS_OF,
                            template_dir=folder)
    assert str(caught.value) == (f"Template '{folder / 'weekly.html'}', the template: the percent filter needs a "
                                 "number, not 'Supplier'")

    # A folder without one of the two takes the shipped one, as notify's templates do.
    (folder / "weekly.html").unlink()
    mail = compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to="m@example.com", as_of=AS_OF,
                               template_dir=folder)
    assert mail["Subject"] == "KPIs 2026-W48"
    assert mail.get_body(("html",)).get_content().startswith("<!DOCTYPE html>\n<html>\n")


def test_the_email_templates_setting_names_the_weekly_mails_folder(workbook, tmp_path, smtp_server):
    folder = tmp_path / "mail-templates"
    folder.mkdir()
    (folder / "weekly.txt").write_text("Subject: Status {{ week }}\n\nLate: {{ kpis[-1].value_text }}\n",
                                       encoding="utf-8")
    server = smtp_server()
    mail_weekly_report(SavedReport(hand_kpis(), hand_causes()), workbook, to="manager@example.com", as_of=AS_OF,
                       config={"smtp": server.settings(sender=SENDER), "email_templates": str(folder)})
    (got,) = server.received
    assert got.message["Subject"] == "Status 2026-W48"
    assert got.message.get_body(("plain",)).get_content() == "Late: 1,500\n"


@pytest.mark.parametrize("to", ["manager", "boss@example.com\r\nBcc: x@y.example", ""])
def test_a_bad_recipient_is_refused(workbook, to):
    with pytest.raises(omxl.OmxlError) as caught:
        compose_weekly_mail(hand_kpis(), hand_causes(), workbook, to=to, as_of=AS_OF)
    assert str(caught.value).startswith("--mail-to ")
    assert str(caught.value).endswith(" is not an e-mail address; write one such as manager@example.com (several: "
                                      "repeat --mail-to).")


@dataclass
class SavedReport:
    """What mail_weekly_report reads of a report: its KPI and root-cause frames."""

    kpis: pd.DataFrame
    causes: pd.DataFrame


def test_the_weekly_mail_arrives_at_a_real_server(workbook, smtp_server):
    server = smtp_server()
    sent = mail_weekly_report(SavedReport(hand_kpis(), hand_causes()), workbook,
                              to=["manager@example.com", "Deputy <deputy@example.com>"], as_of=AS_OF,
                              config={"smtp": server.settings(sender=SENDER)})
    assert len(sent.sent) == 1 and sent.refused.empty
    (got,) = server.received
    assert (got.mail_from, got.rcpt_tos) == ("orders@example.com", ["manager@example.com", "deputy@example.com"])
    assert got.message["Message-ID"] == sent.sent[0]
    assert got.message["To"] == "manager@example.com, Deputy <deputy@example.com>"
    assert got.message.get_body(("plain",)).get_content() == EXPECTED_TEXT
    (attachment,) = list(got.message.iter_attachments())
    assert openpyxl.load_workbook(io.BytesIO(attachment.get_content()))["Summary"]["B1"].value == 12


# --- omxl weekly --mail-to ------------------------------------------------------------------------------------

def run_weekly(tmp_path, *args: str, settings: str = ""):
    config = tmp_path / "omxl.toml"
    config.write_text(settings, encoding="utf-8")
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, [
        "weekly", str(SAMPLE_PATH), "--as-of", AS_OF, "--config", str(config), "--history", str(tmp_path / "h.sqlite"),
        "--quiet", *args])


def test_cli_mails_the_weekly_workbook(tmp_path, smtp_server):
    server = smtp_server(refuse=("gone@example.com",))
    out = tmp_path / "status.xlsx"
    result = run_weekly(tmp_path, "--out", str(out), "--mail-to", "manager@example.com", "--mail-to",
                        "gone@example.com", "--smtp", server.address, "--from", "Orders <orders@example.com>",
                        settings="[smtp]\nstarttls = false\n")
    assert result.exit_code == 1, result.output  # the sample's deliberate data errors, as without --mail-to
    assert ("Mailed status.xlsx to manager@example.com. Refused by the server: gone@example.com (550 5.1.1 "
            "<gone@example.com>: mailbox unavailable).") in result.output
    (got,) = server.received
    assert (got.mail_from, got.rcpt_tos) == ("orders@example.com", ["manager@example.com"])
    assert got.message["Subject"] == "Weekly order status 2026-W48 (week ending 2026-11-27)"
    # The same first run of a history: the mail says once that there is nothing to compare with, not per KPI.
    report = omxl.weekly_report(omxl.read_book(SAMPLE_PATH), as_of=AS_OF, history=tmp_path / "first.sqlite")
    text = got.message.get_body(("plain",)).get_content()
    for row in kpi_rows(report.kpis):  # every KPI as the report has it, on its own line of the table
        line = (f"{row['label']:<24} {row['value_text']:>26} {row['previous_text']:>26} {row['change_text']:>14}"
                f"  {row['reason_text']}")
        assert f"\n{line.rstrip()}\n" in text
    assert "\nOrders received                                  68\n" in text
    assert "There is no earlier run to compare with yet: next week's mail shows the changes." in text
    otif = report.kpis.set_index("kpi").loc["otif_line_rate", "value"]
    assert f"{np.floor(otif * 1000 + 0.5) / 10:.1f}%" in text
    (attachment,) = list(got.message.iter_attachments())
    assert attachment.get_content() == out.read_bytes()
    assert "Summary" in openpyxl.load_workbook(io.BytesIO(attachment.get_content())).sheetnames


def test_cli_wrong_password_exits_2_in_plain_words(tmp_path, smtp_server, monkeypatch):
    server = smtp_server(tls=True, username="orders", password="s3cret")
    monkeypatch.setenv("OMXL_SMTP_PASSWORD", "wrong")
    settings = (f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nusername = "orders"\n'
                f'password_env = "OMXL_SMTP_PASSWORD"\nsender = "orders@example.com"\n'
                f'ca_file = "{server.certificate[0]}"\n')
    result = run_weekly(tmp_path, "--out", str(tmp_path / "status.xlsx"), "--mail-to", "manager@example.com",
                        settings=settings)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"omxl: The SMTP server {server.address} refused the login of 'orders' (535 5.7.8 Authentication "
        "credentials invalid). Check username under [smtp] and the password in OMXL_SMTP_PASSWORD; a mailbox "
        "with two-step verification needs an app password. Nothing was sent.")
    assert server.received == [] and (tmp_path / "status.xlsx").exists()


def test_cli_missing_settings_are_said_before_the_report_is_made(tmp_path, monkeypatch):
    monkeypatch.delenv("MAIL_PW", raising=False)
    out = tmp_path / "status.xlsx"
    result = run_weekly(tmp_path, "--out", str(out), "--mail-to", "manager@example.com",
                        settings='[smtp]\nhost = "smtp.example.com"\nusername = "orders"\npassword_env = "MAIL_PW"\n'
                                 'sender = "orders@example.com"\n')
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("omxl: The environment variable MAIL_PW (setting "
                                                     "smtp.password_env) is not set")
    assert not out.exists()

    result = run_weekly(tmp_path, "--out", str(out), "--mail-to", "manager@example.com",
                        settings='[smtp]\nhost = "smtp.example.com"\n')
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, (
        "omxl: No sender is configured: set sender under [smtp] in omxl.toml (e.g. sender = \"orders@example.com\") "
        "or pass --from ADDRESS. Nothing was sent."))

    result = run_weekly(tmp_path, "--out", str(out), "--mail-to", "manager", "--smtp", "127.0.0.1:25", "--from",
                        "orders@example.com")
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, (
        "omxl: --mail-to 'manager' is not an e-mail address; write one such as manager@example.com (several: repeat "
        "--mail-to)."))
    assert not out.exists()

    result = run_weekly(tmp_path, "--out", str(tmp_path / "kpis.csv"), "--mail-to", "manager@example.com")
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, (
        "omxl: --mail-to sends the weekly workbook, but --out kpis.csv is not a workbook: give --out a .xlsx name "
        "(or leave it out). Nothing was written."))
    assert not out.exists()


def test_cli_unreachable_server_exits_2(tmp_path):
    port = free_port()
    result = run_weekly(tmp_path, "--out", str(tmp_path / "status.xlsx"), "--mail-to", "manager@example.com",
                        "--smtp", f"127.0.0.1:{port}", "--from", "orders@example.com")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"omxl: Cannot reach the SMTP server 127.0.0.1:{port} (connection refused: nothing listens on that port). "
        "Check host and port under [smtp] in omxl.toml (or --smtp HOST:PORT), that the server is running, and that "
        "this computer may connect to it (network, VPN, firewall). Nothing was sent.")


def test_the_docs_weekly_mail_example_runs(tmp_path, monkeypatch, capsys):
    from conftest import ROOT
    from test_docs import code_blocks

    monkeypatch.chdir(ROOT)
    block = code_blocks("email.md", "python")[1]
    exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "email.md#1", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("Weekly order status 2026-W48 (week ending 2026-11-27)\nHello,\n\nhere is the order "
                              "status for the week 2026-11-21 to 2026-11-27 (2026-W48). The workbook\n"
                              "weekly-status-2026-W48.xlsx is attached")
    assert (tmp_path / "weekly-status-2026-W48.xlsx").exists()


def test_rates_and_days_read_as_a_spreadsheet_program_shows_them(tmp_path):
    """LibreOffice, an independent program, shows the same numbers with the workbook's formats; its CSV export
    writes the text as shown."""
    import csv

    import xlsxwriter

    from conftest import convert_with_libreoffice

    rates = [0.8125, 0.0285, 0.0625, 0.145, 0.9995, 0.00049, 1.0]
    days = [6.25, 16.85, 21.55, 0.05]
    path = tmp_path / "shown.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    percent, one_decimal = book.add_format({"num_format": "0.0%"}), book.add_format({"num_format": "0.0"})
    for row, value in enumerate(rates):
        sheet.write_number(row, 0, value, percent)
    for row, value in enumerate(days):
        sheet.write_number(row, 1, value, one_decimal)
    book.close()
    # CSV filter options: comma, double quote, UTF-8, from line 1, ..., the 9th: save cell contents as shown.
    shown_csv = convert_with_libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                                         tmp_path)
    with open(shown_csv, newline="", encoding="utf-8") as handle:
        shown = list(csv.reader(handle))
    kpis = pd.DataFrame({"kpi": ["r"] * len(rates) + ["d"] * len(days), "label": "x", "value": rates + days,
                         "previous": np.nan, "change": np.nan,
                         "unit": ["fraction"] * len(rates) + ["days"] * len(days), "currency": None})
    texts = [row["value_text"] for row in kpi_rows(kpis)]
    assert texts[:len(rates)] == [line[0] for line in shown[:len(rates)]]
    assert texts[len(rates):] == [f"{line[1]} days" for line in shown[:len(days)]]


def test_cli_nobody_got_the_mail_exits_2(tmp_path, smtp_server):
    server = smtp_server(refuse=("gone@example.com",))
    out = tmp_path / "status.xlsx"
    result = run_weekly(tmp_path, "--out", str(out), "--mail-to", "gone@example.com", "--smtp", server.address,
                        "--from", "orders@example.com", settings="[smtp]\nstarttls = false\n")
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, (
        "omxl: The weekly mail was not sent: gone@example.com (550 5.1.1 <gone@example.com>: mailbox unavailable). "
        f"The report is saved in {out}."))
    assert server.received == [] and out.exists()
