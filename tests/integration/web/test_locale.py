from tests.pages import text_of

WELSH_TITLE = "Cynlluniau diogelwch wedi'u hysgrifennu gyda chi"


def test_english_by_default(client):
    page = client.get_page("/")
    assert page.html["lang"] == "en"
    assert text_of(page, "h1") == "Safety plans written with you"


def test_lang_switch_turns_the_page_welsh_and_is_remembered(client):
    response = client.get("/?lang=cy")
    assert "lang=cy" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get_page("/")  # no ?lang= this time: the cookie remembers
    assert page.html["lang"] == "cy"
    assert text_of(page, "h1") == WELSH_TITLE


def test_browser_language_is_used_when_nothing_was_chosen(client):
    page = client.get_page("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert page.html["lang"] == "cy"


def test_a_choice_beats_the_browser_language(client):
    page = client.get_page("/?lang=en", headers={"Accept-Language": "cy"})
    assert page.html["lang"] == "en"


def test_unknown_languages_fall_back_to_english(client):
    page = client.get_page("/?lang=xx", headers={"Accept-Language": "fr"})
    assert page.html["lang"] == "en"
    assert "Set-Cookie" not in client.get("/?lang=xx").headers


def test_a_forged_language_cookie_is_ignored(client):
    client.client.set_cookie("lang", "../../etc")
    assert client.get_page("/").html["lang"] == "en"


def test_the_switch_links_to_the_other_language_and_keeps_the_query(client):
    page = client.get_page("/?page=2&lang=en")
    link = page.select_one(".app-language-switch a")
    assert link.get_text(strip=True) == "Cymraeg"
    assert link["lang"] == "cy"
    assert link["href"] == "/?page=2&lang=cy"


def test_every_visible_string_of_the_start_page_is_welsh(client):
    english = client.get_page("/?lang=en")
    welsh = client.get_page("/?lang=cy")

    def visible_strings(page):
        for hidden in page(["script", "style", "title", "svg"]):
            hidden.decompose()
        return {s.strip() for s in page.body.stripped_strings}

    # Only names stay the same in both: the language names in the switch, and phone numbers.
    same = visible_strings(english) & visible_strings(welsh)
    assert same <= {"English", "Cymraeg", "999", "116 123"}


def test_the_footer_rendered_once_per_language_follows_each_page(client):
    """The footer is cached per language: a Welsh page after an English one (and back) has its own footer."""
    for lang, meta in [
        ("en", "call Samaritans free on 116 123"),
        ("cy", "Meddalwedd cod agored yw Cynllun Diogelwch."),
        ("en", "SafetyPlan is open-source software."),
    ]:
        footer = text_of(client.get_page(f"/?lang={lang}"), "footer")
        assert meta in footer


def test_a_template_follows_a_language_forced_within_one_request(app):
    """Templates find the catalogue once per language a request uses, and again when the language changes in it
    (as a plan sent in the person's language is, from an English page)."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/?lang=en"):
        assert render_template_string("{{ _('Skip to main content') }}") == "Skip to main content"
        with force_locale("cy"):
            welsh = render_template_string("{{ _('Skip to main content') }}")
        assert welsh != "Skip to main content" and welsh.strip()
        assert render_template_string("{{ _('Skip to main content') }}") == "Skip to main content"
