"""Children's privacy: the notices, guardians' consent and requests, the personal record and
its access log.

Pages about one child's personal data write to the access log whether they are allowed or not;
a refused attempt is logged before the 403 is raised.
"""

import json
import logging

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from groups.models import Child
from groups.permissions import is_admin

from . import selectors, services
from .filters import AccessLogFilter
from .forms import (
    ConfirmForm,
    ConsentRequestForm,
    GuardianConsentForm,
    PaperConsentForm,
    PersonalDataForm,
    PhotoConsentForm,
    PurposeForm,
)
from .models import (
    AccessAction,
    AccessPurpose,
    Audience,
    ConsentMethod,
    ConsentRequest,
    PersonalDataAccess,
    PrivacyNotice,
)

logger = logging.getLogger(__name__)
PAGE_SIZE = 50


def no_notice_message():
    return _("No notice for guardians is published yet. The programme office will publish it.")


# --- The notices (public) -------------------------------------------------------------------


def notice(request, audience, version=None):
    notices = PrivacyNotice.objects.filter(audience=audience)
    if version is None:
        shown = notices.in_force(audience)
        if shown is None:
            raise Http404
    else:
        shown = get_object_or_404(notices, version=version)
        # A version not yet in force is a draft: the office may preview it, no one else.
        if shown.published_on > timezone.localdate() and not is_admin(request.user):
            raise Http404
    return render(
        request,
        "privacy/notice.html",
        {
            "notice": shown,
            "versions": notices.filter(published_on__lte=timezone.localdate()),
            "in_force": notices.in_force(audience),
            "Audience": Audience,
        },
    )


# --- Consent by the e-mailed link (no login: the link is the proof) -------------------------


def consent_by_link(request, token):
    consent_request = ConsentRequest.objects.for_token(token).first()
    problem = services.link_problem(consent_request)
    if problem:
        logger.warning(
            "consent link refused: request %s", consent_request.pk if consent_request else "-"
        )
        status = 404 if consent_request is None else 410
        return render(request, "privacy/consent_link.html", {"problem": problem}, status=status)
    notice = PrivacyNotice.objects.in_force(Audience.GUARDIANS)
    if notice is None:
        return render(
            request, "privacy/consent_link.html", {"problem": no_notice_message()}, status=503
        )
    form = GuardianConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"notice_version": notice.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give_by_link(
                token=token, notice_version=form.cleaned_data["notice_version"]
            )
        except ValidationError as error:
            logger.warning("consent by link refused: request %s", consent_request.pk)
            form.add_error(None, error)
        else:
            return render(request, "privacy/consent_link.html", {"done": True})
    return render(
        request,
        "privacy/consent_link.html",
        {
            "form": form,
            "notice": notice,
            "child": consent_request.guardianship.child,
            "relationship": consent_request.guardianship.get_relationship_display(),
        },
    )


# --- The guardian's page for each child -----------------------------------------------------


def _guardians_child(request, pk, action):
    """The child, if the user is one of their guardians; otherwise the attempt is logged and
    refused."""
    child = get_object_or_404(Child.objects.select_related("school", "community", "user"), pk=pk)
    if not rules.has_perm("privacy.act_as_guardian", request.user, child):
        services.access_record(request=request, child_id=child.pk, action=action, granted=False)
        raise PermissionDenied
    return child


@login_required
def guardian_child(request, pk):
    child = _guardians_child(request, pk, AccessAction.VIEW)
    guardian = request.user.guardian
    mine = selectors.consents_of_guardian(child, guardian)
    notice = PrivacyNotice.objects.in_force(Audience.GUARDIANS)
    return render(
        request,
        "privacy/guardian_child.html",
        {
            "child": child,
            "consent": next((c for c in mine if c.in_force), None),
            "history": mine,
            "notice": notice,
            "consent_form": notice
            and GuardianConsentForm(initial={"notice_version": notice.version}),
            "deletion": child.deletion_requests.first(),
            "confirm_form": ConfirmForm(),
            "photo_consent_on": child.guardianship_set.get(guardian=guardian).photo_consent_on,
        },
    )


@login_required
@require_POST
def guardian_consent(request, pk):
    child = _guardians_child(request, pk, AccessAction.VIEW)
    form = GuardianConsentForm(request.POST)
    notice = PrivacyNotice.objects.in_force(Audience.GUARDIANS)
    if form.is_valid():
        try:
            if notice is None:
                raise ValidationError(no_notice_message())
            notice = services.notice_agreed_to(form.cleaned_data["notice_version"])
            services.consent_give(
                child=child,
                guardian=request.user.guardian,
                notice=notice,
                method=ConsentMethod.ACCOUNT,
                given_at=timezone.now(),
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: your consent is recorded."))
            return redirect("guardian_child_privacy", pk=child.pk)
    return render(
        request,
        "privacy/guardian_consent.html",
        {"child": child, "notice": notice, "form": form},
        status=400,
    )


@login_required
@require_POST
def guardian_photo_consent(request, pk):
    child = _guardians_child(request, pk, AccessAction.VIEW)
    form = PhotoConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes or no, then send it again."))
        return redirect("guardian_child_privacy", pk=child.pk)
    given = form.cleaned_data["photos"]
    services.photo_consent_set(child=child, guardian=request.user.guardian, given=given)
    if given:
        messages.success(request, _("Recorded: your child may appear in photos of activities."))
    else:
        messages.success(
            request, _("Recorded: your child will not appear in photos of activities.")
        )
    return redirect("guardian_child_privacy", pk=child.pk)


def _confirmed_guardian_action(request, pk, action, template, run):
    child = _guardians_child(request, pk, action)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            run(child)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            services.access_record(
                request=request,
                child_id=child.pk,
                action=action,
                granted=True,
                purpose=AccessPurpose.GUARDIAN_DELETION,
            )
            messages.success(
                request,
                _(
                    "Your request is recorded. Your child's account is closed and their "
                    "personal data is being deleted."
                ),
            )
            # The child may be anonymised already (the worker acts at once), and with that the
            # guardian's link to them is gone: back to the guardian's home page.
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"child": child, "form": form}, status=status)


@login_required
def guardian_withdraw(request, pk):
    return _confirmed_guardian_action(
        request,
        pk,
        AccessAction.DELETION,
        "privacy/guardian_withdraw.html",
        lambda child: services.consent_withdraw(child=child, guardian_user=request.user),
    )


@login_required
def guardian_delete(request, pk):
    return _confirmed_guardian_action(
        request,
        pk,
        AccessAction.DELETION,
        "privacy/guardian_delete.html",
        lambda child: services.deletion_request(child=child, guardian_user=request.user),
    )


@login_required
def guardian_download(request, pk):
    child = _guardians_child(request, pk, AccessAction.DOWNLOAD)
    services.access_record(
        request=request,
        child_id=child.pk,
        action=AccessAction.DOWNLOAD,
        granted=True,
        purpose=AccessPurpose.GUARDIAN_DOWNLOAD,
    )
    body = json.dumps(
        selectors.child_data(child), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="child-{child.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


# --- The programme office -------------------------------------------------------------------


@login_required
@permission_required("privacy.manage_consent", raise_exception=True)
def children(request):
    query = (request.GET.get("q") or "").strip()[:40]
    state = request.GET.get("state")
    rows = selectors.children_privacy_states(query=query, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/children.html", {"page": page, "query": query, "state": state})


@login_required
@permission_required("privacy.manage_consent", raise_exception=True)
def child_admin(request, pk):
    child = get_object_or_404(Child.objects.select_related("school", "community", "user"), pk=pk)
    request_form = ConsentRequestForm(child=child, prefix="send")
    paper_form = PaperConsentForm(child=child, prefix="paper")
    if request.method == "POST":
        try:
            if "send-guardian" in request.POST:
                request_form = ConsentRequestForm(request.POST, child=child, prefix="send")
                if request_form.is_valid():
                    guardian = request_form.cleaned_data["guardian"]
                    services.consent_request_send(
                        guardianship=guardian.guardianship_set.get(child=child),
                        sent_by=request.user,
                    )
                    messages.success(request, _("The consent link is on its way."))
                    return redirect("privacy_child", pk=child.pk)
            else:
                paper_form = PaperConsentForm(request.POST, child=child, prefix="paper")
                if paper_form.is_valid():
                    services.consent_give(
                        child=child,
                        guardian=paper_form.cleaned_data["guardian"],
                        notice=paper_form.cleaned_data["notice"],
                        method=ConsentMethod.PAPER,
                        given_at=paper_form.given_at(),
                        recorded_by=request.user,
                    )
                    messages.success(request, _("The consent is recorded."))
                    return redirect("privacy_child", pk=child.pk)
        except ValidationError as error:
            form = request_form if "send-guardian" in request.POST else paper_form
            form.add_error(None, error)
    return render(
        request,
        "privacy/child_admin.html",
        {
            "child": child,
            "consents": selectors.consents_of_child(child),
            "requests": selectors.consent_requests_with_emails(child),
            "deletions": child.deletion_requests.all(),
            "request_form": request_form,
            "paper_form": paper_form,
            "may_see_record": request.user.has_perm("privacy.see_personal_record"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _valid_purpose(value):
    return value if value in AccessPurpose.values else ""


@login_required
def personal_record(request, pk):
    """A child's real name and contacts: the purpose first, then the record, each look logged."""
    child = get_object_or_404(Child.objects.select_related("school"), pk=pk)
    if not request.user.has_perm("privacy.see_personal_record"):
        services.access_record(
            request=request,
            child_id=child.pk,
            action=AccessAction.VIEW,
            granted=False,
            purpose=_valid_purpose(request.POST.get("purpose")),
        )
        raise PermissionDenied
    purpose_form = PurposeForm(request.POST if request.method == "POST" else None)
    context = {"child": child, "purpose_form": purpose_form}
    if request.method != "POST" or not purpose_form.is_valid():
        return render(
            request,
            "privacy/personal_record.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    purpose, detail = purpose_form.cleaned_data["purpose"], purpose_form.cleaned_data["detail"]
    record = selectors.personal_data_of(child)
    correcting = "correct" in request.POST and record is not None
    data_form = PersonalDataForm(request.POST if correcting else None, instance=record)
    status = 200
    if correcting and data_form.is_valid():
        services.personal_data_correct(
            request=request,
            record=record,
            real_name=data_form.cleaned_data["real_name"],
            contact_phone=data_form.cleaned_data["contact_phone"],
            address=data_form.cleaned_data["address"],
            purpose=purpose,
            detail=detail,
        )
        messages.success(request, _("The record is corrected."))
    else:
        # The record is shown (a correction refused by the form shows it again): logged as
        # the attempt it was.
        services.access_record(
            request=request,
            child_id=child.pk,
            action=AccessAction.CORRECT if correcting else AccessAction.VIEW,
            granted=True,
            purpose=purpose,
            detail=detail,
        )
        if correcting:
            status = 400
    context.update({"record": record, "data_form": data_form, "shown": True})
    response = render(request, "privacy/personal_record.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required("privacy.see_access_log", raise_exception=True)
def access_log(request):
    filters = AccessLogFilter(request.GET or None, queryset=PersonalDataAccess.objects.all())
    rows = filters.qs if (not filters.is_bound or filters.is_valid()) else filters.queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_pseudonyms(page)
    return render(
        request,
        "privacy/access_log.html",
        {
            "filters": filters,
            "page": page,
            # The details typed with a purpose may name people: only for those who may see
            # personal records.
            "shows_details": request.user.has_perm("privacy.see_personal_record"),
        },
    )
