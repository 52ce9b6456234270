from safetyplan.web.presenters import sms_href, tel_href


def test_tel_links_keep_only_digits_and_plus():
    assert tel_href("+44 (0)808 157-0192") == "tel:+4408081570192"


def test_sms_links_carry_the_same_digits_as_tel_links():
    assert sms_href("07700 900 123") == "sms:07700900123"
