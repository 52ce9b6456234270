from tests.pages import text_of


def test_the_start_page_offers_sign_in(client):
    page = client.get_page("/")
    link = page.select_one("main a.nhsuk-button")
    assert link.get_text(strip=True) == "Sign in"
    assert link["href"] == "/sign-in"


def test_the_start_page_says_how_a_new_person_or_carer_gets_an_account(client):
    text = text_of(client.get_page("/"), "main")
    assert "ask your care team. They make your account" in text
    assert "the person whose plan it is can invite you" in text


def test_the_start_page_in_welsh_offers_sign_in(client):
    page = client.get_page("/?lang=cy")
    assert page.select_one("main a.nhsuk-button")["href"] == "/sign-in"
    assert page.select_one("main a.nhsuk-button").get_text(strip=True) == "Mewngofnodi"


def test_signed_in_the_start_page_goes_home_instead(person_client):
    page = person_client.get_page("/")
    link = page.select_one("main a.nhsuk-button")
    assert link["href"] == "/home"
    assert "If you do not have an account yet" not in text_of(page, "main")


def test_every_page_footer_has_the_crisis_numbers_as_one_tap_calls(client):
    for lang in ("en", "cy"):
        footer = client.get_page(f"/?lang={lang}").select_one("footer")
        assert footer.select_one('a[href="tel:999"]').get_text() == "999"
        assert footer.select_one('a[href="tel:116123"]').get_text() == "116 123"
