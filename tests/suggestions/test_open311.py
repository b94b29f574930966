import pytest
from rest_framework.test import APIClient

from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline, route_pending
from tests.suggestions.test_services import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipe():
    return Pipeline()


def test_services_are_the_focus_areas(pipe):
    services = APIClient().get("/api/open311/v2/services.json").json()

    assert {"service_code": pipe.focus_area.code, "metadata": False}.items() <= services[0].items()


def test_requests_are_the_sent_suggestions_with_status_and_agency_and_no_personal_data(pipe):
    draft = pipe.draft(title="王小明家门口的坑")
    sent = pipe.draft(title="王小明家门口的坑")
    act(sent, "submit", pipe.child_user)
    route_pending()

    requests = APIClient().get("/api/open311/v2/requests.json").json()

    assert [r["service_request_id"] for r in requests] == [str(sent.pk)]
    request = requests[0]
    assert request["status"] == "open"
    assert request["agency_responsible"] == pipe.school.name
    assert request["description"] is None, "a child's text only once implemented"
    assert request["address"] is None
    text = str(requests)
    assert "王小明" not in text and "小白鹭" not in text
    one = APIClient().get(f"/api/open311/v2/requests/{sent.pk}.json")
    assert one.json()[0]["service_request_id"] == str(sent.pk)
    assert APIClient().get(f"/api/open311/v2/requests/{draft.pk}.json").status_code == 404


def test_requests_filter_by_status_code_and_ids_and_refuse_bad_dates(pipe):
    sent = pipe.draft()
    act(sent, "submit", pipe.child_user)
    Suggestion.objects.filter(pk=sent.pk).update(state=State.IMPLEMENTED)
    client = APIClient()

    closed = client.get("/api/open311/v2/requests.json?status=closed").json()
    by_id = client.get(f"/api/open311/v2/requests.json?service_request_id={sent.pk},x").json()
    bad = client.get("/api/open311/v2/requests.json?start_date=yesterday")

    assert [r["status"] for r in closed] == ["closed"]
    assert closed[0]["description"] == sent.title
    assert len(by_id) == 1
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
