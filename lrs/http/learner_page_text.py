"""What the learner's notification pages say, in English and Welsh (Welsh Language Standards: a Welsh
council's learners can use these pages in Cymraeg). `page_text(lang)` gives one language's strings;
every key exists in both, which a test checks."""

from __future__ import annotations

from collections.abc import Mapping

PAGE_LANGUAGES = ("en", "cy")

_EN: Mapping[str, str] = {
    "service": "Programme messages",
    "skip": "Skip to main content",
    "switch_label": "Choose a language",
    "title": "Your message preferences",
    "intro": "Choose how and when we send you messages about your learning programme.",
    "error_title": "There is a problem",
    "error_prefix": "Error:",
    "saved_title": "Success",
    "saved": "Your preferences have been saved. They apply to the next message we send you.",
    "channel_legend": "How should we contact you first?",
    "channel_hint": "If a message cannot reach you the first way, we try the next one.",
    "channel.teams,email": "Microsoft Teams first, then email",
    "channel.email,teams": "Email first, then Microsoft Teams",
    "channel.email": "Email only",
    "channel.teams": "Microsoft Teams only",
    "opt_out_legend": "Which messages do you want to stop?",
    "opt_out_hint": (
        "Invitations and session reminders are always sent. You cannot switch them off, because they "
        "tell you when and where your sessions are."
    ),
    "opt_out.nudge": "Nudges: a module due or overdue, a session you missed, or no recent activity",
    "opt_out.congratulation": "Congratulations when you finish a module or the programme",
    "language_legend": "Which language should your messages be in?",
    "time_zone_label": "Your time zone",
    "time_zone_hint": "For example, Europe/London",
    "quiet_legend": "Quiet hours",
    "quiet_hint": (
        "We do not send messages between these times, in your time zone. Use the 24-hour clock, for "
        "example 18:00. Enter the same time twice to have no quiet hours."
    ),
    "quiet_start_label": "From",
    "quiet_end_label": "Until",
    "days_legend": "On which days can we send you messages?",
    "days_hint": "We never send messages on bank holidays.",
    "day.mon": "Monday",
    "day.tue": "Tuesday",
    "day.wed": "Wednesday",
    "day.thu": "Thursday",
    "day.fri": "Friday",
    "day.sat": "Saturday",
    "day.sun": "Sunday",
    "nation_legend": "Which bank holidays apply to you?",
    "nation.england-and-wales": "England and Wales",
    "nation.scotland": "Scotland",
    "nation.northern-ireland": "Northern Ireland",
    "save": "Save preferences",
    "unsubscribe_link": "Stop all nudges with one click",
    "problem.channel_order": "Select how we should contact you first",
    "problem.opt_out": "Invitations and session reminders cannot be switched off",
    "problem.language": "Select English or Cymraeg",
    "problem.time_zone_missing": "Enter your time zone",
    "problem.time_zone": "Enter a time zone from the list, like Europe/London",
    "problem.quiet_start": "Enter when quiet hours start as a 24-hour time, like 18:00",
    "problem.quiet_end": "Enter when quiet hours end as a 24-hour time, like 08:00",
    "problem.too_long": "This answer is too long: use at most 100 characters",
    "problem.working_days": "Select at least one day",
    "problem.nation": "Select which bank holidays apply to you",
    "problem.invalid": "Check this answer",
    "unsubscribe_title": "Stop nudges",
    "unsubscribe_intro": (
        "Nudges remind you about a module that is due or overdue, a session you missed, or a time "
        "without activity. If you stop them, you still get invitations and session reminders."
    ),
    "unsubscribe_button": "Stop nudges",
    "unsubscribe_other": "Choose which messages you get on your preferences page instead",
    "unsubscribed_title": "You will not get any more nudges",
    "unsubscribed_body": (
        "You will still get invitations and session reminders. You can turn nudges back on at any time."
    ),
    "unsubscribed_link": "Change your message preferences",
    "error.link_missing.title": "This link is not complete",
    "error.link_missing.body": (
        "Open the link from your email again. If it still does not work, ask your programme team."
    ),
    "error.link_forged.title": "This link is not valid",
    "error.link_forged.body": (
        "The link may have been changed or copied wrongly. Open it again from our most recent email."
    ),
    "error.link_expired.title": "This link has expired",
    "error.link_expired.body": "Links in our emails work for 90 days. Use the link in a more recent email.",
    "error.learner_gone.title": "We cannot find your details",
    "error.learner_gone.body": "Your details may have been removed after you left the programme.",
    "error.form_expired.title": "Your form has expired",
    "error.form_expired.body": (
        "Nothing was saved. Open the preferences page again from the link in your email, then make "
        "your changes. Your browser needs to accept cookies from this site."
    ),
    "error.too_large.title": "The form was too large",
    "error.too_large.body": "Nothing was saved. Open the page again and make your changes.",
    "error.bad_form.title": "The form could not be read",
    "error.bad_form.body": "Nothing was saved. The form must be sent as UTF-8 text.",
    "error.not_one_click.title": "This is not a one-click unsubscribe",
    "error.not_one_click.body": (
        "Nothing was changed. The request must send List-Unsubscribe=One-Click: use the button on the "
        "page the link opens."
    ),
}

_CY: Mapping[str, str] = {
    "service": "Negeseuon y rhaglen",
    "skip": "Neidio i'r prif gynnwys",
    "switch_label": "Dewiswch iaith",
    "title": "Eich dewisiadau negeseuon",
    "intro": "Dewiswch sut a phryd rydym yn anfon negeseuon atoch am eich rhaglen ddysgu.",
    "error_title": "Mae yna broblem",
    "error_prefix": "Gwall:",
    "saved_title": "Llwyddiant",
    "saved": (
        "Mae eich dewisiadau wedi'u cadw. Byddant yn berthnasol i'r neges nesaf y byddwn yn ei hanfon."
    ),
    "channel_legend": "Sut dylem gysylltu â chi gyntaf?",
    "channel_hint": "Os na all neges eich cyrraedd y ffordd gyntaf, byddwn yn rhoi cynnig ar yr un nesaf.",
    "channel.teams,email": "Microsoft Teams yn gyntaf, yna e-bost",
    "channel.email,teams": "E-bost yn gyntaf, yna Microsoft Teams",
    "channel.email": "E-bost yn unig",
    "channel.teams": "Microsoft Teams yn unig",
    "opt_out_legend": "Pa negeseuon ydych chi am eu hatal?",
    "opt_out_hint": (
        "Rydym bob amser yn anfon gwahoddiadau a nodiadau atgoffa am sesiynau. Ni allwch eu diffodd, "
        "gan eu bod yn dweud wrthych pryd a ble mae eich sesiynau."
    ),
    "opt_out.nudge": (
        "Negeseuon procio: modiwl sy'n ddyledus neu'n hwyr, sesiwn a gollwyd, neu ddim gweithgarwch diweddar"
    ),
    "opt_out.congratulation": "Llongyfarchiadau pan fyddwch yn gorffen modiwl neu'r rhaglen",
    "language_legend": "Ym mha iaith y dylai eich negeseuon fod?",
    "time_zone_label": "Eich cylchfa amser",
    "time_zone_hint": "Er enghraifft, Europe/London",
    "quiet_legend": "Oriau tawel",
    "quiet_hint": (
        "Nid ydym yn anfon negeseuon rhwng yr amseroedd hyn, yn eich cylchfa amser. Defnyddiwch y "
        "cloc 24 awr, er enghraifft 18:00. Rhowch yr un amser ddwywaith os nad ydych eisiau oriau tawel."
    ),
    "quiet_start_label": "O",
    "quiet_end_label": "Tan",
    "days_legend": "Ar ba ddiwrnodau y gallwn anfon negeseuon atoch?",
    "days_hint": "Nid ydym byth yn anfon negeseuon ar wyliau banc.",
    "day.mon": "Dydd Llun",
    "day.tue": "Dydd Mawrth",
    "day.wed": "Dydd Mercher",
    "day.thu": "Dydd Iau",
    "day.fri": "Dydd Gwener",
    "day.sat": "Dydd Sadwrn",
    "day.sun": "Dydd Sul",
    "nation_legend": "Pa wyliau banc sy'n berthnasol i chi?",
    "nation.england-and-wales": "Cymru a Lloegr",
    "nation.scotland": "Yr Alban",
    "nation.northern-ireland": "Gogledd Iwerddon",
    "save": "Cadw dewisiadau",
    "unsubscribe_link": "Atal pob neges procio gydag un clic",
    "problem.channel_order": "Dewiswch sut dylem gysylltu â chi gyntaf",
    "problem.opt_out": "Ni ellir diffodd gwahoddiadau a nodiadau atgoffa am sesiynau",
    "problem.language": "Dewiswch English neu Cymraeg",
    "problem.time_zone_missing": "Rhowch eich cylchfa amser",
    "problem.time_zone": "Rhowch gylchfa amser o'r rhestr, fel Europe/London",
    "problem.quiet_start": "Rhowch pryd mae'r oriau tawel yn dechrau fel amser 24 awr, fel 18:00",
    "problem.quiet_end": "Rhowch pryd mae'r oriau tawel yn gorffen fel amser 24 awr, fel 08:00",
    "problem.too_long": "Mae'r ateb hwn yn rhy hir: defnyddiwch 100 nod ar y mwyaf",
    "problem.working_days": "Dewiswch o leiaf un diwrnod",
    "problem.nation": "Dewiswch pa wyliau banc sy'n berthnasol i chi",
    "problem.invalid": "Gwiriwch yr ateb hwn",
    "unsubscribe_title": "Atal negeseuon procio",
    "unsubscribe_intro": (
        "Mae negeseuon procio yn eich atgoffa am fodiwl sy'n ddyledus neu'n hwyr, sesiwn a gollwyd, "
        "neu gyfnod heb weithgarwch. Os byddwch yn eu hatal, byddwch yn dal i gael gwahoddiadau a "
        "nodiadau atgoffa am sesiynau."
    ),
    "unsubscribe_button": "Atal negeseuon procio",
    "unsubscribe_other": "Dewiswch pa negeseuon rydych yn eu cael ar eich tudalen dewisiadau yn lle hynny",
    "unsubscribed_title": "Ni fyddwch yn cael rhagor o negeseuon procio",
    "unsubscribed_body": (
        "Byddwch yn dal i gael gwahoddiadau a nodiadau atgoffa am sesiynau. Gallwch droi negeseuon "
        "procio yn ôl ymlaen unrhyw bryd."
    ),
    "unsubscribed_link": "Newid eich dewisiadau negeseuon",
    "error.link_missing.title": "Nid yw'r ddolen hon yn gyflawn",
    "error.link_missing.body": (
        "Agorwch y ddolen o'ch e-bost eto. Os nad yw'n gweithio o hyd, gofynnwch i dîm eich rhaglen."
    ),
    "error.link_forged.title": "Nid yw'r ddolen hon yn ddilys",
    "error.link_forged.body": (
        "Efallai bod y ddolen wedi'i newid neu ei chopïo'n anghywir. Agorwch hi eto o'n e-bost diweddaraf."
    ),
    "error.link_expired.title": "Mae'r ddolen hon wedi dod i ben",
    "error.link_expired.body": (
        "Mae'r dolenni yn ein negeseuon e-bost yn gweithio am 90 diwrnod. Defnyddiwch y ddolen mewn "
        "e-bost mwy diweddar."
    ),
    "error.learner_gone.title": "Ni allwn ddod o hyd i'ch manylion",
    "error.learner_gone.body": "Efallai bod eich manylion wedi'u dileu ar ôl i chi adael y rhaglen.",
    "error.form_expired.title": "Mae eich ffurflen wedi dod i ben",
    "error.form_expired.body": (
        "Ni chafodd dim ei gadw. Agorwch y dudalen dewisiadau eto o'r ddolen yn eich e-bost, yna "
        "gwnewch eich newidiadau. Mae angen i'ch porwr dderbyn cwcis o'r wefan hon."
    ),
    "error.too_large.title": "Roedd y ffurflen yn rhy fawr",
    "error.too_large.body": "Ni chafodd dim ei gadw. Agorwch y dudalen eto a gwnewch eich newidiadau.",
    "error.bad_form.title": "Nid oedd modd darllen y ffurflen",
    "error.bad_form.body": "Ni chafodd dim ei gadw. Rhaid anfon y ffurflen fel testun UTF-8.",
    "error.not_one_click.title": "Nid yw hwn yn gais dad-danysgrifio un clic",
    "error.not_one_click.body": (
        "Ni chafodd dim ei newid. Rhaid i'r cais anfon List-Unsubscribe=One-Click: defnyddiwch y botwm "
        "ar y dudalen y mae'r ddolen yn ei hagor."
    ),
}

_TEXTS = {"en": _EN, "cy": _CY}


def page_text(lang: str) -> Mapping[str, str]:
    return _TEXTS.get(lang, _EN)


def all_texts() -> Mapping[str, Mapping[str, str]]:
    return _TEXTS
