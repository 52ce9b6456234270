"""The Jinja environment: template globals keep Jinja's meaning behind the faster keys() (web/templating.py)."""

from jinja2 import ChoiceLoader, DictLoader

MACROS = "test/greeting-macros.html"


def test_an_imported_macro_sees_the_importing_pages_globals_and_ones_added_later(app, monkeypatch):
    env = app.jinja_env
    macros = DictLoader({MACROS: "{% macro greet() %}{{ greeting }}, {{ added_later }}{% endmacro %}"})
    monkeypatch.setattr(env, "loader", ChoiceLoader([macros, env.loader]))
    env.get_template(MACROS)  # loaded (and cached) before the environment gains a global
    monkeypatch.setitem(env.globals, "added_later", "croeso")
    page = env.from_string(f'{{% from "{MACROS}" import greet %}}{{{{ greet() }}}}', globals={"greeting": "Shwmae"})
    with app.test_request_context():
        assert page.render() == "Shwmae, croeso"
        # A page without that global of its own gets the imported template as it is, not another page's copy.
        plain = env.from_string(f'{{% from "{MACROS}" import greet %}}{{{{ greet() }}}}')
        assert plain.render() == ", croeso"
    # What the import subtracts from the page's global names: a set made from both maps, not a view over them.
    assert isinstance(page.globals.keys(), set) and page.globals.keys() == set(page.globals)
    assert {"greeting", "added_later", "url_for"} <= page.globals.keys()
