"""The notify step: delay notices, purchase-order messages, shipped notices and payment reminders (contract
4.5)."""

from .base import MAIL_OPTIONS, Option, Step

STEP = Step(
    name="notify",
    function="omxl.messaging:notify",
    result="omxl.messaging:Messages",
    help="""Write the messages the position calls for: a delay notice per customer with late, at-risk or
    backordered lines, a purchase order per supplier with its drafts attached, and shipped notices and payment
    reminders when configured (docs/notify.md). Recipients told the same news before are left out unless --force.

    Exit code 1 when validation found errors (those rows are left out) or the server refused a message, 0 when
    not, 2 when a file, a setting, the output folder or the mail server cannot be used.""",
    title="Messages",
    needs=("orders", "inventory", "suppliers", "customers", "shipments", "purchase_orders", "returns", "invoices",
           "payments"),
    sheets=("Summary", "Messages"),
    progress="Composing the messages",
    options=(
        Option("out_dir", ("--out-dir",), "Folder for the messages, one .eml file each (made if it does not exist; "
               "the folder it goes in must exist).", metavar="DIR", required=True),
        Option("send", ("--send",), "Also send the messages through SMTP ([smtp] settings, docs/email.md). Without "
               "it, a dry run: files only, nothing sent or recorded.", kind="flag", default=False),
        *MAIL_OPTIONS,
        Option("force", ("--force",), "Write (and send) every message, also to recipients whose news has not "
               "changed since they were last told.", kind="flag", default=False, to_step=True),
        Option("history", ("--history",), "The run history (SQLite) that keeps what each recipient was told. "
               "Default: the history setting, else omxl-history.sqlite in the folder that holds DIR.",
               kind="path", metavar="FILE"),
    ),
    write_back=False,
    show="omxl.cli.show:show_nothing",
    command="omxl.cli.hooks:NOTIFY",
)
