"""Every NHS.UK component we use escapes text: people's words are never markup, whatever they type."""

import pytest
from flask import render_template_string

PAYLOAD = '<b id="injected">x</b><script>alert(1)</script>'

COMPONENTS = {
    "summaryList": 'summaryList({"rows": [{"key": {"text": t}, "value": {"text": t}}]})',
    "table": 'table({"head": [{"text": t}], "rows": [[{"text": t}]], "caption": t})',
    "insetText": 'insetText({"text": t})',
    "warningCallout": 'warningCallout({"heading": t, "text": t})',
    "notificationBanner": 'notificationBanner({"text": t, "titleText": t})',
    "input": (
        'input({"id": "a", "name": "a", "label": {"text": t}, "hint": {"text": t}, "value": t, '
        '"errorMessage": {"text": t}})'
    ),
    "textarea": 'textarea({"id": "a", "name": "a", "label": {"text": t}, "value": t})',
    "radios": (
        'radios({"idPrefix": "a", "name": "a", "fieldset": {"legend": {"text": t}}, '
        '"items": [{"value": t, "text": t, "hint": {"text": t}}]})'
    ),
    "select": 'select({"id": "a", "name": "a", "label": {"text": t}, "items": [{"value": t, "text": t}]})',
    "checkboxes": 'checkboxes({"idPrefix": "a", "name": "a", "items": [{"value": "y", "text": t}]})',
    "errorSummary": 'errorSummary({"titleText": t, "errorList": [{"text": t, "href": "#a"}]})',
    "tag": 'tag({"text": t})',
    "button": 'button({"text": t})',
    "backLink": 'backLink({"text": t, "href": "/"})',
    "dateInput": (
        'dateInput({"id": "d", "namePrefix": "d", "fieldset": {"legend": {"text": t}}, '
        '"items": [{"name": "day", "label": t, "value": t}]})'
    ),
}
IMPORTS = {
    "summaryList": "summary-list",
    "table": "tables",
    "insetText": "inset-text",
    "warningCallout": "warning-callout",
    "notificationBanner": "notification-banner",
    "input": "input",
    "textarea": "textarea",
    "radios": "radios",
    "select": "select",
    "checkboxes": "checkboxes",
    "errorSummary": "error-summary",
    "tag": "tag",
    "button": "button",
    "backLink": "back-link",
    "dateInput": "date-input",
}


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_escapes_text(app, name):
    template = f'{{% from "nhsuk/components/{IMPORTS[name]}/macro.jinja" import {name} %}}{{{{ {COMPONENTS[name]} }}}}'
    with app.test_request_context():
        html = render_template_string(template, t=PAYLOAD)
    assert "<script>" not in html and 'id="injected"' not in html
    assert "&lt;script&gt;" in html or "&lt;b" in html


def test_a_header_account_name_is_escaped(app):
    template = (
        '{% from "nhsuk/components/header/macro.jinja" import header %}'
        '{{ header({"service": {"text": "S"}, "account": {"items": [{"text": t, "href": "/"}]}}) }}'
    )
    with app.test_request_context():
        html = render_template_string(template, t=PAYLOAD)
    assert "<script>" not in html


def test_the_cached_header_shows_each_users_own_name_escaped_and_token(app):
    from tests.factories import create_account
    from tests.pages import PageClient, check_page

    with app.app_context():
        first = create_account("carer", name='<script>alert("a")</script> Ann')
        second = create_account("carer", name="Bob Second")
    pages = []
    for account in (first, second):
        client = PageClient(app.test_client())
        client.sign_in(account)
        response = client.get("/account")
        pages.append((client, response.get_data(as_text=True)))
    (_, first_page), (_, second_page) = pages
    assert "<script>alert" not in first_page and "&lt;script&gt;alert(&#34;a&#34;)&lt;/script&gt; Ann" in first_page
    assert "Bob Second" in second_page and "Ann" not in second_page
    for client, page in pages:
        token = check_page(page).select_one("form.nhsuk-header__account-form input[name=csrf_token]")["value"]
        assert (
            client.client.post("/sign-out", data={"csrf_token": token}).status_code == 302
        )  # the token is this session's
