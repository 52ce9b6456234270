def test_healthy_when_the_database_is_at_the_newest_migration(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "head"}


def test_unavailable_when_migrations_have_not_run(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "migrations": "behind"}


def test_unavailable_when_the_database_cannot_be_reached(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_livez_answers_without_the_database(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}")
    response = app.test_client().get("/livez")
    assert (response.status_code, response.json) == (200, {"status": "ok"})
