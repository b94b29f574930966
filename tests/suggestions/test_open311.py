import json
from xml.etree import ElementTree

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from suggestions import open311
from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.groups.factories import FocusAreaFactory
from tests.suggestions.factories import route_pending
from tests.suggestions.test_services import act

pytestmark = pytest.mark.django_db

V2 = "/api/open311/v2"


def sent(pipe, **kwargs):
    suggestion = pipe.draft(**kwargs)
    act(suggestion, "submit", pipe.child_user)
    return suggestion


def implemented(pipe, **kwargs):
    suggestion = sent(pipe, **kwargs)
    Suggestion.objects.filter(pk=suggestion.pk).update(state=State.IMPLEMENTED)
    return suggestion


def ids(response):
    return sorted(int(r["service_request_id"]) for r in response.json())


def xml_of(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)


def test_services_are_the_focus_areas(pipe):
    services = APIClient().get(f"{V2}/services.json").json()

    assert {"service_code": pipe.focus_area.code, "metadata": False}.items() <= services[0].items()


def test_requests_are_the_sent_suggestions_with_status_and_agency_and_no_personal_data(pipe):
    draft = pipe.draft(title="王小明家门口的坑")
    one = sent(pipe, title="王小明家门口的坑")
    route_pending()

    requests = APIClient().get(f"{V2}/requests.json").json()

    assert [r["service_request_id"] for r in requests] == [str(one.pk)]
    request = requests[0]
    assert request["status"] == "open"
    assert request["agency_responsible"] == pipe.school.name
    assert request["description"] is None, "a child's text only once implemented"
    assert request["address"] is None
    text = str(requests)
    assert "王小明" not in text and "小白鹭" not in text
    detail = APIClient().get(f"{V2}/requests/{one.pk}.json")
    assert detail.json()[0]["service_request_id"] == str(one.pk)
    assert APIClient().get(f"{V2}/requests/{draft.pk}.json").status_code == 404


def test_requests_filter_by_status_code_and_ids_and_refuse_bad_dates(pipe):
    done = implemented(pipe)
    client = APIClient()

    closed = client.get(f"{V2}/requests.json?status=closed").json()
    by_id = client.get(f"{V2}/requests.json?service_request_id={done.pk},x").json()
    bad = client.get(f"{V2}/requests.json?start_date=yesterday")

    assert [r["status"] for r in closed] == ["closed"]
    assert closed[0]["description"] == done.title
    assert len(by_id) == 1
    assert bad.status_code == 400


# --- Item 20: XML, the specification's default format ---------------------------------------


def test_every_resource_is_served_as_xml_too(pipe):
    one = implemented(pipe, title="斑马线")
    client = APIClient()

    services = xml_of(client.get(f"{V2}/services.xml"))
    definition = xml_of(client.get(f"{V2}/services/{pipe.focus_area.code}.xml"))
    requests = xml_of(client.get(f"{V2}/requests.xml"))
    request = xml_of(client.get(f"{V2}/requests/{one.pk}.xml"))

    assert services.tag == "services"
    assert services.find("service/service_code").text == pipe.focus_area.code
    assert services.find("service/metadata").text == "false"
    assert definition.tag == "service_definition"
    assert definition.find("service_code").text == pipe.focus_area.code
    assert definition.find("attributes") is not None
    assert requests.tag == "service_requests"
    assert [r.find("service_request_id").text for r in requests] == [str(one.pk)]
    assert request.tag == "service_requests"
    assert request.find("request/description").text == "斑马线"
    assert request.find("request/address").text is None


def test_a_childs_text_comes_out_of_the_xml_exactly_as_the_json_gives_it(pipe):
    title = " <b>&amp;</b> \"引号\" '它' ]]> 🚸\r\n\tline\x07 "
    one = implemented(pipe, title=title)
    client = APIClient()

    as_json = client.get(f"{V2}/requests/{one.pk}.json").json()[0]["description"]
    as_xml = xml_of(client.get(f"{V2}/requests/{one.pk}.xml")).find("request/description").text

    assert as_xml == as_json
    assert as_json == title.replace("\x07", ""), "only what XML cannot carry is left out"


def test_the_xml_of_each_answer_carries_the_same_values_as_its_json(pipe):
    implemented(pipe, title="A & B")
    sent(pipe)
    route_pending()
    client = APIClient()

    def texts(element):
        """The XML as the JSON would be (the Spark convention), every value as its text."""
        if element.tag in open311.XML_ITEMS:
            return [texts(child) for child in element]
        if len(element) == 0:
            return element.text
        return {child.tag: texts(child) for child in element}

    def as_text(value):
        if isinstance(value, list):
            return [as_text(v) for v in value]
        if isinstance(value, dict):
            return {k: as_text(v) for k, v in value.items()}
        if isinstance(value, bool):
            return "true" if value else "false"
        return None if value in (None, "") else str(value)  # XML has one empty

    for address in ("discovery", "services", f"services/{pipe.focus_area.code}", "requests"):
        as_json = client.get(f"{V2}/{address}.json").json()
        as_xml = xml_of(client.get(f"{V2}/{address}.xml"))
        assert as_text(as_json) == texts(as_xml), address


def test_an_address_under_the_endpoint_that_names_nothing_answers_the_specs_404_not_a_page():
    client = APIClient()

    xml = client.get(f"{V2}/requests/abc.xml")
    unknown_format = client.get(f"{V2}/services.csv")
    as_json = client.get(f"{V2}/nothing.json")

    assert xml.status_code == unknown_format.status_code == as_json.status_code == 404
    assert xml_of(xml).find("error/code").text == "404"
    assert xml_of(unknown_format).tag == "errors"
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_json.json()[0]["code"] == 404


# --- Item 21: comma-delimited lists -----------------------------------------------------------


def test_service_code_and_status_take_comma_delimited_lists(pipe):
    other_area = FocusAreaFactory()
    open_one = sent(pipe)
    closed_one = implemented(pipe)
    elsewhere = sent(pipe, focus_area=other_area)
    FocusAreaFactory(code="unused")
    client = APIClient()

    both_codes = client.get(f"{V2}/requests.json?service_code={pipe.focus_area.code},unused")
    repeated = client.get(
        f"{V2}/requests.json?service_code={pipe.focus_area.code}&service_code={other_area.code}"
    )
    both_statuses = client.get(f"{V2}/requests.json?status=open,closed")
    only_open = client.get(f"{V2}/requests.json?status=open")
    bad = client.get(f"{V2}/requests.json?status=open,shut")

    assert ids(both_codes) == sorted([open_one.pk, closed_one.pk])
    assert ids(repeated) == sorted([open_one.pk, closed_one.pk, elsewhere.pk])
    assert ids(both_statuses) == sorted([open_one.pk, closed_one.pk, elsewhere.pk])
    assert ids(only_open) == sorted([open_one.pk, elsewhere.pk])
    assert bad.status_code == 400


def test_service_request_id_overrides_every_other_argument(pipe):
    closed_one = implemented(pipe)

    found = APIClient().get(
        f"{V2}/requests.json?service_request_id={closed_one.pk}&status=open&service_code=x"
    )

    assert ids(found) == [closed_one.pk]


# --- Item 22: the specification's errors ------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "requests.{}?start_date=yesterday",
        "requests.{}?end_date=2010-13-45T00:00:00Z",
        "requests.{}?start_date=2010-01-01T00:00:00",
        "requests.{}?status=shut",
    ],
)
def test_bad_input_answers_the_specs_400_error_list_in_both_formats(address):
    client = APIClient()

    as_json = client.get(f"{V2}/{address.format('json')}")
    as_xml = client.get(f"{V2}/{address.format('xml')}")

    assert as_json.status_code == as_xml.status_code == 400
    [error] = as_json.json()
    assert error["code"] == 400 and error["description"]
    assert [(e.tag, [c.tag for c in e]) for e in xml_of(as_xml)] == [
        ("error", ["code", "description"])
    ]
    assert xml_of(as_xml).find("error/description").text == error["description"]


def test_what_is_not_there_answers_the_specs_404_in_both_formats(pipe):
    draft = pipe.draft()
    client = APIClient()

    for address in (f"requests/{draft.pk}", "services/no-such-area"):
        as_json = client.get(f"{V2}/{address}.json")
        as_xml = client.get(f"{V2}/{address}.xml")
        assert as_json.status_code == as_xml.status_code == 404, address
        assert as_json.json()[0]["code"] == 404
        assert xml_of(as_xml).find("error/code").text == "404"


def test_a_write_is_refused_in_the_specs_form():
    response = APIClient().post(f"{V2}/requests.json", {"service_code": "x"}, format="json")

    assert response.status_code == 405
    assert response.json()[0]["code"] == 405


# --- Item 23: discovery and jurisdiction_id ---------------------------------------------------


def test_discovery_names_the_endpoint_its_specification_and_formats():
    client = APIClient()

    as_json = client.get(f"{V2}/discovery.json").json()
    as_xml = xml_of(client.get(f"{V2}/discovery.xml"))

    assert set(as_json) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = as_json["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/api/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert [f.text for f in as_xml.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


@override_settings(OPEN311_JURISDICTION_ID="hangzhou.gov.cn")
def test_jurisdiction_id_is_checked_as_the_specification_says(pipe):
    client = APIClient()

    ours = client.get(f"{V2}/services.json?jurisdiction_id=hangzhou.gov.cn")
    empty = client.get(f"{V2}/requests.json?jurisdiction_id=")
    other = client.get(f"{V2}/services.json?jurisdiction_id=sfgov.org")
    other_xml = client.get(f"{V2}/requests.xml?jurisdiction_id=sfgov.org")

    assert ours.status_code == empty.status_code == 200
    assert other.status_code == other_xml.status_code == 404
    assert "sfgov.org" in other.json()[0]["description"]
    assert xml_of(other_xml).find("error/code").text == "404"


# --- Item 24: a rate of its own ---------------------------------------------------------------


def test_a_dashboard_polling_every_30_seconds_is_not_cut_off():
    client = APIClient()

    answers = {client.get(f"{V2}/services.json").status_code for _ in range(121)}

    assert answers == {200}, "121 requests within an hour: more than the API's anonymous rate"


def test_the_open311_rate_still_limits_and_says_so_in_the_specs_form(monkeypatch):
    monkeypatch.setattr(open311.Open311RateThrottle, "rate", "2/hour", raising=False)
    client = APIClient()

    answers = [client.get(f"{V2}/requests.xml") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert xml_of(answers[2]).find("error/code").text == "429"
    assert answers[2]["Retry-After"]


# --- Item 17: the schema -----------------------------------------------------------------------


def test_every_open311_operation_has_its_own_id_a_summary_a_tag_and_its_errors_documented():
    schema = json.loads(APIClient().get("/api/schema/?format=json").content)
    operations = [
        (address, operation)
        for address, item in schema["paths"].items()
        for operation in item.values()
    ]
    open311_ones = [(a, o) for a, o in operations if a.startswith("/api/open311/")]

    all_ids = [o["operationId"] for _, o in operations]
    assert len(all_ids) == len(set(all_ids))
    assert len(open311_ones) == 10, "five resources, each in XML and in JSON"
    for address, operation in open311_ones:
        extension = address.rsplit(".", 1)[1]
        assert operation["operationId"].startswith("open311_"), address
        assert operation["operationId"].endswith(f"_{extension}"), address
        assert operation["summary"] and operation["description"], address
        assert operation["tags"] == ["open311"], address
        media = "text/xml" if extension == "xml" else "application/json"
        assert list(operation["responses"]["200"]["content"]) == [media], address
        errors = [code for code in operation["responses"] if code.startswith("4")]
        assert "429" in errors, address
        for code in errors:
            body = operation["responses"][code]["content"][media]["schema"]
            assert body["type"] == "array", (address, code)
            assert set(body["items"]["properties"]) == {"code", "description"}, (address, code)


@pytest.mark.parametrize(
    "query",
    [
        "end_date=0001-01-01T00:00:00Z",
        "start_date=0001-01-01T00:00:00%2B14:00",
        "end_date=9999-12-31T23:59:59-14:00",
    ],
)
def test_a_date_at_the_end_of_the_calendar_is_a_400_not_a_500(query):
    response = APIClient().get(f"{V2}/requests.json?{query}")

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_an_error_that_quotes_the_caller_is_still_well_formed_xml():
    response = APIClient().get(f"{V2}/services.xml?jurisdiction_id=a%00%1Fb<c>&")

    assert response.status_code == 404
    assert "a" + "b<c>" in xml_of(response).find("error/description").text


def test_a_digit_that_is_no_number_is_no_request_id():
    response = APIClient().get(f"{V2}/requests.json?service_request_id=²,1")
    assert response.status_code == 200
    assert response.json() == []
