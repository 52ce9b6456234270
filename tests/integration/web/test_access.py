from flask import Blueprint

from safetyplan.web.access import policy_of, public

unguarded = Blueprint("unguarded", __name__)


@unguarded.get("/test/unguarded")
def unguarded_page():
    return "should never be served"


def test_every_route_declares_an_access_policy(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules() if policy_of(rule.endpoint, app) is None]
    assert missing == []


def test_a_route_without_a_policy_is_refused(make_app):
    response = make_app(unguarded).test_client().get("/test/unguarded")
    assert response.status_code == 403
    assert b"should never be served" not in response.data


def test_a_view_cannot_declare_two_policies():
    def view():
        return ""

    public(view)
    try:
        public(view)
    except TypeError as error:
        assert "already declares the access policy 'public'" in str(error)
    else:
        raise AssertionError("a second policy was accepted")
