"""The Open311 endpoint against the GeoReport v2 specification's own example responses
(http://wiki.open311.org/GeoReport_v2 and /Service_Discovery), read with parsers nobody here
wrote (xml.etree, json), and through an Open311 client library nobody here wrote (georeport).

The examples below are the specification's, each list cut to one item: what is compared is
their shape, the names of the elements and keys and how they nest.
"""

import json
from xml.etree import ElementTree

import pytest
from django.conf import settings
from georeport import GeoReport
from rest_framework.test import APIClient

from suggestions.models import Suggestion
from suggestions.workflow import State
from tests.suggestions.factories import Pipeline, route_pending
from tests.suggestions.test_services import act

pytestmark = pytest.mark.django_db

V2 = "/api/open311/v2"

REQUEST_XML = """
<request>
  <service_request_id>638344</service_request_id>
  <status>closed</status>
  <status_notes>Duplicate request.</status_notes>
  <service_name>Sidewalk and Curb Issues</service_name>
  <service_code>006</service_code>
  <description></description>
  <agency_responsible></agency_responsible>
  <service_notice></service_notice>
  <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
  <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
  <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
  <address>8TH AVE and JUDAH ST</address>
  <address_id>545483</address_id>
  <zipcode>94122</zipcode>
  <lat>37.762221815</lat>
  <long>-122.4651145</long>
  <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
</request>"""
REQUEST_JSON = {
    "service_request_id": 638344,
    "status": "closed",
    "status_notes": "Duplicate request.",
    "service_name": "Sidewalk and Curb Issues",
    "service_code": "006",
    "description": None,
    "agency_responsible": None,
    "service_notice": None,
    "requested_datetime": "2010-04-14T06:37:38-08:00",
    "updated_datetime": "2010-04-14T06:37:38-08:00",
    "expected_datetime": "2010-04-15T06:37:38-08:00",
    "address": "8TH AVE and JUDAH ST",
    "address_id": 545483,
    "zipcode": 94122,
    "lat": 37.762221815,
    "long": -122.4651145,
    "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg ",
}
EXAMPLES = {
    "discovery": (
        """<?xml version="1.0" encoding="UTF-8"?>
        <discovery>
          <changeset>2011-02-03 14:18</changeset>
          <contact>You can email or call for assistance api@mycity.org +1 (555) 555-5555</contact>
          <key_service>You can request a key here: http://api.mycity.gov/api_key/request</key_service>
          <endpoints>
            <endpoint>
              <specification>http://wiki.open311.org/GeoReport_v2</specification>
              <url>http://open311.mycity.gov/test/v2</url>
              <changeset>2010-10-02 09:01</changeset>
              <type>test</type>
              <formats>
                <format>text/xml</format>
                <format>application/json</format>
              </formats>
            </endpoint>
          </endpoints>
        </discovery>""",
        {
            "changeset": "2011-02-03 14:18",
            "contact": "You can email or call for assistance api@mycity.org +1 (555) 555-5555",
            "key_service": "You can request a key here: http://api.mycity.gov/api_key/request",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": "http://open311.mycity.gov/test/v2",
                    "changeset": "2010-10-02 09:01",
                    "type": "test",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    ),
    "services": (
        """<?xml version="1.0" encoding="utf-8"?>
        <services>
          <service>
            <service_code>001</service_code>
            <service_name>Cans left out 24x7</service_name>
            <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
            <metadata>true</metadata>
            <type>realtime</type>
            <keywords>lorem, ipsum, dolor</keywords>
            <group>sanitation</group>
          </service>
        </services>""",  # noqa: E501
        [
            {
                "service_code": "001",
                "service_name": "Cans left out 24x7",
                "description": "Garbage or recycling cans that have been left out for more "
                "than 24 hours after collection. Violators will be cited.",
                "metadata": True,
                "type": "realtime",
                "keywords": "lorem, ipsum, dolor",
                "group": "sanitation",
            }
        ],
    ),
    "service_definition": (
        """<?xml version="1.0" encoding="utf-8"?>
        <service_definition>
          <service_code>DMV66</service_code>
          <attributes>
            <attribute>
              <variable>true</variable>
              <code>WHISHETN</code>
              <datatype>singlevaluelist</datatype>
              <required>true</required>
              <datatype_description></datatype_description>
              <order>1</order>
              <description>What is the ticket/tag/DL number?</description>
              <values>
                <value>
                  <key>123</key>
                  <name>Ford</name>
                </value>
              </values>
            </attribute>
          </attributes>
        </service_definition>""",
        {
            "service_code": "DMV66",
            "attributes": [
                {
                    "variable": True,
                    "code": "WHISHETN",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "datatype_description": None,
                    "order": 1,
                    "description": "What is the ticket/tag/DL number?",
                    "values": [{"key": 123, "name": "Ford"}],
                }
            ],
        },
    ),
    "requests": (
        f"""<?xml version="1.0" encoding="utf-8"?>
        <service_requests>{REQUEST_XML}</service_requests>""",
        [REQUEST_JSON],
    ),
    "request": (
        f"""<?xml version="1.0" encoding="utf-8"?>
        <service_requests>{REQUEST_XML}</service_requests>""",
        [REQUEST_JSON],
    ),
    "errors": (
        """<?xml version="1.0" encoding="utf-8"?>
        <errors>
          <error>
            <code>403</code>
            <description>Invalid api_key received -- can't proceed with create_request.</description>
          </error>
        </errors>""",  # noqa: E501
        [
            {
                "code": 403,
                "description": "Invalid api_key received -- can't proceed with create_request.",
            }
        ],
    ),
}


def xml_shape(element):
    """The element's name and, for each kind of child (a list's items count once), its shape."""
    children = []
    for child in element:
        shape = xml_shape(child)
        if shape not in children:
            children.append(shape)
    return (element.tag, tuple(children))


def json_shape(value):
    if isinstance(value, dict):
        return {key: json_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_shape(item) for item in value[:1]]
    return "value"


def parse_xml(content):
    return ElementTree.fromstring(content)  # noqa: S314 (the spec's examples, our answers)


def cut_to_one(element):
    """Our answer with each list cut to its first item, as the examples are."""
    for child in list(element):
        cut_to_one(child)
    if len(element) > 1 and len({child.tag for child in element}) == 1:
        for extra in list(element)[1:]:
            element.remove(extra)
    return element


@pytest.fixture
def addresses():
    """A sent and an implemented suggestion; the address of each resource."""
    pipe = Pipeline()
    waiting = pipe.draft()
    act(waiting, "submit", pipe.child_user)
    route_pending()
    done = pipe.draft()
    act(done, "submit", pipe.child_user)
    Suggestion.objects.filter(pk=done.pk).update(state=State.IMPLEMENTED)
    return {
        "discovery": "discovery",
        "services": "services",
        "service_definition": f"services/{pipe.focus_area.code}",
        "requests": "requests",
        "request": f"requests/{done.pk}",
        "errors": "requests/0",
    }


@pytest.mark.parametrize("resource", EXAMPLES)
def test_each_answer_has_the_shape_of_the_specifications_example(addresses, resource):
    example_xml, example_json = EXAMPLES[resource]
    client = APIClient()

    ours_xml = client.get(f"{V2}/{addresses[resource]}.xml")
    ours_json = client.get(f"{V2}/{addresses[resource]}.json")

    assert ours_xml["Content-Type"] == "text/xml; charset=utf-8"
    assert ours_json["Content-Type"] == "application/json; charset=utf-8"
    ours, theirs = (
        xml_shape(cut_to_one(parse_xml(ours_xml.content))),
        xml_shape(parse_xml(example_xml.strip())),
    )
    ours_j, theirs_j = json_shape(json.loads(ours_json.content)), json_shape(example_json)
    if resource == "service_definition":
        # No service here needs more than its code: the example's attributes stay empty.
        theirs = (theirs[0], (theirs[1][0], ("attributes", ())))
        theirs_j["attributes"] = []
    assert ours == theirs
    assert ours_j == theirs_j


@pytest.mark.parametrize("output_format", ["xml", "json"])
def test_an_open311_client_library_reads_the_endpoint(live_server, output_format):
    pipe = Pipeline()
    suggestion = pipe.draft(title="斑马线 & <信号灯>")
    act(suggestion, "submit", pipe.child_user)
    Suggestion.objects.filter(pk=suggestion.pk).update(state=State.IMPLEMENTED)
    client = GeoReport(
        f"{live_server.url}{V2}",
        jurisdiction=settings.OPEN311_JURISDICTION_ID,
        output_format=output_format,
    )

    services = client.get_service_list()
    definition = client.get_service_definition(pipe.focus_area.code)
    requests = client.get_service_requests(
        service_code=f"{pipe.focus_area.code},other", status="open,closed"
    )
    request = client.get_service_request(str(suggestion.pk))

    service = services[0] if isinstance(services, list) else services
    assert service["service_code"] == pipe.focus_area.code
    assert definition["service_code"] == pipe.focus_area.code
    found = requests if isinstance(requests, list) else [requests]
    assert [r["service_request_id"] for r in found] == [str(suggestion.pk)]
    assert request["description"] == "斑马线 & <信号灯>"
    assert request["status"] == "closed"
