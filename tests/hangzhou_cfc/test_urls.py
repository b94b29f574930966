"""Addresses people type by hand."""

import pytest


@pytest.mark.parametrize(
    ("typed", "login"),
    [
        ("/login/", "/accounts/login/"),
        ("/login/?next=/inbox/", "/accounts/login/?next=/inbox/"),
        ("/en/login/", "/en/accounts/login/"),
    ],
)
def test_login_leads_to_the_login_page(client, typed, login):
    response = client.get(typed)

    assert response.status_code == 302
    assert response["Location"] == login
    assert client.get(response["Location"]).status_code == 200
