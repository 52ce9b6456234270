"""Templates use the shared pieces: a form page extends layouts/form_page.html, and a one-button form is action_form.

Both checks read the template sources as text, so they need no app: a template "spells out" a piece when its
source writes the markup that the shared piece would otherwise write for it.
"""

from __future__ import annotations

import re

from safetyplan.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
#: Where the shared pieces are defined: they write the markup the checks look for.
SHARED = {"components/forms.html", "layouts/form_page.html"}
FORM_PAGE = '{% extends "layouts/form_page.html" %}'

#: Pages that show the errors of a form they post but are not one form, each for a reason.
NOT_FORM_PAGES = {
    "admin/team.html": "a page about a team with two forms (add a clinician, add to the caseload), each with errors",
    "plans/plan.html": "the plan itself, with a decision form and its errors for each suggestion waiting",
    "plans/my_plan.html": "the person's plan, with a decision form and its errors for each carer's suggestion",
}
#: One-button forms that are not built on the NHS.UK button, each for a reason.
NOT_ACTION_FORMS = {
    "layout.html": "the language links: buttons styled as links, in the bar above every page",
    "components/site_header.html": "sign out: the NHS.UK header's own account button (web/header.py fills its token)",
}

POST_FORM = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*>(.*?)</form>', re.DOTALL)
#: What a form holds besides its button that is not a field a person fills in.
NOT_A_FIELD = re.compile(
    r'{{ csrf_field\(\) }}|<input type="hidden"[^>]*>|{{ [\w.]+\(type="hidden"\) }}|{%.*?%}', re.DOTALL
)
BUTTON = re.compile(r"<button\b.*?</button>|{{ (?:submit|nhsukButton|button)\(.*?\) }}", re.DOTALL)


def spells_out_a_form_page(source: str) -> bool:
    """Whether ``source`` writes a form page's skeleton instead of extending it: a form's errors and a POST form,
    or a form that posts back to the page itself (no action), as a form page's does."""
    with_errors = "error_summary(" in source and '<form method="post"' in source
    return FORM_PAGE not in source and (with_errors or '<form method="post" novalidate>' in source)


def one_button_forms(source: str) -> int:
    """How many POST forms in ``source`` hold nothing but hidden values and one button."""
    count = 0
    for body in POST_FORM.findall(source):
        rest = NOT_A_FIELD.sub("", body)
        if len(BUTTON.findall(rest)) == 1 and not BUTTON.sub("", rest).strip():
            count += 1
    return count


def templates() -> dict[str, str]:
    """Every template's source by its name (as render_template takes it), but for the shared pieces'."""
    sources = {path.relative_to(TEMPLATES).as_posix(): path for path in sorted(TEMPLATES.rglob("*.html"))}
    return {name: path.read_text(encoding="utf-8") for name, path in sources.items() if name not in SHARED}


def test_the_form_page_check_sees_a_skeleton_written_out():
    assert spells_out_a_form_page(
        '{% extends "layout.html" %}{{ error_summary(form) }}<form method="post" action="/x">'
    )
    assert spells_out_a_form_page('{% extends "layout.html" %}<h1>Remove</h1><form method="post" novalidate></form>')
    assert not spells_out_a_form_page(FORM_PAGE + "{% block form_fields %}{% endblock %}")


def test_the_action_form_check_sees_a_form_of_hidden_values_and_one_button():
    assert one_button_forms(
        '<form method="post" action="/x" novalidate>\n{{ csrf_field() }}\n{{ submit(_("Go")) }}\n</form>'
    )
    assert one_button_forms('<form method="post">{{ csrf_field() }}{{ f.n(type="hidden") }}<button>Go</button></form>')
    assert not one_button_forms('<form method="post">{{ csrf_field() }}<input name="q">{{ submit("Go") }}</form>')
    assert not one_button_forms('<form method="get"><button type="submit">Go</button></form>')


def test_every_form_page_extends_the_form_page_layout():
    spelled_out = {name for name, source in templates().items() if spells_out_a_form_page(source)}
    assert spelled_out - NOT_FORM_PAGES.keys() == set(), "extend layouts/form_page.html (or say why not)"
    assert NOT_FORM_PAGES.keys() - spelled_out == set(), "these exceptions no longer apply: remove them"


def test_every_one_button_form_is_an_action_form():
    written_out = {name for name, source in templates().items() if one_button_forms(source)}
    assert written_out - NOT_ACTION_FORMS.keys() == set(), "use action_form from components/forms.html"
    assert NOT_ACTION_FORMS.keys() - written_out == set(), "these exceptions no longer apply: remove them"
