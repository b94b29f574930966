import logging

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from groups.models import OrganisationKind
from places.maps import allow_tiles, map_config

from . import permissions, selectors, services, workflow
from .filters import ImplementedFilter, InboxFilter
from .forms import (
    FIND_BUTTON,
    SIMILAR_BUTTON,
    OutcomeForm,
    SearchForm,
    SuggestionForm,
    VoiceForm,
    form_for,
)
from .models import Suggestion
from .place_forms import PlaceCorrectionForm
from .search import MAX_QUERY
from .workflow import Actor, IllegalMove, State

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
STAFF = (Actor.SCHOOL, Actor.COMMUNITY, Actor.DEPARTMENT)

ILLEGAL_MOVE_MESSAGE = gettext_lazy(
    "This step is not possible now: the suggestion is no longer where this page showed it. "
    "Here it is as it stands."
)
STALE_MESSAGE = gettext_lazy(
    "Someone else moved this suggestion while you had it open, so nothing was changed. "
    "Here it is as it stands now; what you wrote is kept below."
)


def _visible_suggestion(request, pk, *, peers: bool = False) -> Suggestion:
    """With `peers`, also another child's that this child may see to say "me too"
    (`as_peer` set on it)."""
    suggestion = get_object_or_404(Suggestion.objects.select_related("child"), pk=pk)
    suggestion.as_peer = False
    if not request.user.has_perm("suggestions.see_suggestion", suggestion):
        if peers and request.user.has_perm("suggestions.see_as_peer", suggestion):
            suggestion.as_peer = True
            return suggestion
        logger.warning("user %s refused suggestion %s: not in their scope", request.user.pk, pk)
        raise PermissionDenied
    return suggestion


@login_required
def my_suggestions(request):
    """A child's own suggestions, or a guardian's children's."""
    if rules.has_perm("suggestions.write_suggestion", request.user):
        children = [request.user.child]
    else:
        children = selectors.children_of_guardian(request.user)
        if not children:
            raise PermissionDenied
    suggestions = selectors.suggestions_of_children(children)
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/mine.html",
        {
            "page": page,
            "writes": rules.has_perm("suggestions.write_suggestion", request.user),
            # The suggestions the child said "me too" to (我也支持的建议).
            "voiced": selectors.voiced_by(request.user.child)
            if rules.has_perm("suggestions.write_suggestion", request.user)
            else [],
        },
    )


def _save_from_form(request, form, suggestion=None):
    submit = "submit" in request.POST
    data = form.suggestion_fields()
    if suggestion is None:
        suggestion = services.suggestion_create(child=request.user.child, submit=submit, **data)
    else:
        suggestion = services.suggestion_update(
            suggestion=suggestion,
            user=request.user,
            submit=submit,
            expected_version=_int_or_none(request.POST.get("version")),
            **data,
        )
    if submit:
        # The page it goes to says so, and what happens next.
        return redirect("suggestion_sent", pk=suggestion.pk)
    messages.success(request, _("Saved as a draft. Send it when you are ready."))
    return redirect("suggestion_detail", pk=suggestion.pk)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_page(request, form, suggestion):
    """The child's form; with the optional map (places/maps.py) when an office set one."""
    context = {"form": form, "suggestion": suggestion, "map_config": map_config()}
    if SIMILAR_BUTTON in request.POST:  # without JavaScript: the list, asked for by its button
        exclude = suggestion.pk if suggestion else None
        context |= {"similar": _similar_to(request, request.POST, exclude), "similar_asked": True}
    return allow_tiles(render(request, "suggestions/form.html", context))


@login_required
def suggestion_new(request):
    if not rules.has_perm("suggestions.write_suggestion", request.user):
        raise PermissionDenied
    child = request.user.child
    form = SuggestionForm(
        request.POST or None,
        request.FILES or None,
        sending="submit" in request.POST,
        finding=FIND_BUTTON in request.POST or SIMILAR_BUTTON in request.POST,
        school_id=child.school_id,
        # Most of a child's suggestions are about what their sub-team watches.
        initial=None
        if request.method == "POST"
        else {"focus_area": selectors.focus_area_of_sub_team(child)},
    )
    if request.method == "POST" and not form.finding and form.is_valid():
        try:
            return _save_from_form(request, form)
        except ValidationError as error:
            form.add_error(None, error)
    return _form_page(request, form, None)


@login_required
def suggestion_edit(request, pk):
    suggestion = _visible_suggestion(request, pk)
    if permissions.actor_for(request.user, suggestion) != Actor.CHILD:
        raise PermissionDenied
    if suggestion.state not in (State.DRAFT, State.RETURNED):
        messages.info(request, _("This suggestion has been sent and can no longer be changed."))
        return redirect("suggestion_detail", pk=pk)
    form = SuggestionForm(
        request.POST or None,
        request.FILES or None,
        instance=suggestion,
        # A returned suggestion was sent once: it stays complete even when saved again.
        sending="submit" in request.POST or suggestion.submitted_at is not None,
        finding=FIND_BUTTON in request.POST or SIMILAR_BUTTON in request.POST,
        school_id=suggestion.child.school_id,
    )
    if request.method == "POST" and not form.finding and form.is_valid():
        try:
            return _save_from_form(request, form, suggestion)
        except services.StaleSuggestion:
            form.add_error(None, STALE_MESSAGE)
        except (IllegalMove, ValidationError):
            form.add_error(None, ILLEGAL_MOVE_MESSAGE)
    return _form_page(request, form, suggestion)


@login_required
def suggestion_sent(request, pk):
    """What happens after "Send it", in plain words: who looks at it next, and within how long."""
    suggestion = _visible_suggestion(request, pk)
    if permissions.actor_for(request.user, suggestion) != Actor.CHILD:
        raise PermissionDenied  # it speaks to the child who sent it
    if suggestion.submitted_at is None:
        return redirect("suggestion_detail", pk=pk)
    return render(
        request,
        "suggestions/sent.html",
        {"suggestion": suggestion, "days": selectors.stage_deadlines()},
    )


def _actions(user, suggestion) -> list[str]:
    actor = permissions.actor_for(user, suggestion)
    if actor is None:
        return []
    actions = workflow.actions_for(State(suggestion.state), actor)
    if actor == Actor.CHILD:
        # The child's own buttons are on the page itself (edit, send, withdraw).
        return [a for a in actions if a == "withdraw"]
    progress = workflow.PROGRESS
    if actor in progress.actors and suggestion.state in progress.sources:
        actions.insert(0, progress.action)
    return actions


def _action_forms(suggestion, actions, bound=None):
    forms = {}
    for action in actions:
        form_class = form_for(action)
        kwargs = {"prefix": action}
        if action == "merge":
            kwargs["candidates"] = selectors.merge_candidates_alike(suggestion)
        if bound and bound[0] == action:
            forms[action] = bound[1]
        else:
            forms[action] = form_class(initial={"version": suggestion.version}, **kwargs)
    return forms


def _unsent(form) -> list[tuple[str, str]]:
    """What the user typed into a form that could not be sent, to show it back to them."""
    return [
        (field.label, form.data.get(field.html_name))
        for field in form.visible_fields()
        if form.data.get(field.html_name)
    ]


def _place_form(suggestion, search="", data=None):
    places, divisions = selectors.place_choices(suggestion, search)
    return PlaceCorrectionForm(
        data,
        initial={"version": suggestion.version, "q": search},
        places=places,
        divisions=divisions,
    )


def _render_detail(request, suggestion, bound=None, status=200, place_form=None, search=""):
    staff = selectors.reads_handover_notes(request.user)
    suggestion = selectors.suggestion_detail(pk=suggestion.pk, staff=staff)
    actor = permissions.actor_for(request.user, suggestion)
    actions = _actions(request.user, suggestion)
    unsent = _unsent(bound[1]) if bound and bound[0] not in actions else []
    if place_form is None and permissions.may_correct_place(request.user, suggestion, actor):
        place_form = _place_form(suggestion, search)
    return render(
        request,
        "suggestions/detail.html",
        {
            "suggestion": suggestion,
            "actor": actor,
            "action_forms": _action_forms(suggestion, actions, bound),
            "unsent": unsent,
            "journey": selectors.suggestion_journey(suggestion, staff=staff),
            "handover_notes": selectors.handover_notes(suggestion) if staff else [],
            "staff_view": staff,
            "place_form": place_form,
            "place_search": search,
            "heard": selectors.heard_from(suggestion),
            "voices": selectors.voices_of(suggestion),
            "recorded_authors": selectors.recorded_authors(suggestion),
        },
        status=status,
    )


@login_required
def suggestion_detail(request, pk):
    suggestion = _visible_suggestion(request, pk, peers=True)
    if suggestion.as_peer:
        return _render_peer(request, suggestion)
    services.notifications_read_on_opening(user=request.user, suggestion_id=suggestion.pk)
    # The staff's search for the place to correct it to (the form below the place).
    search = request.GET.get("where", "")[:40]
    return _render_detail(request, suggestion, search=search)


@login_required
@require_POST
def suggestion_act(request, pk, action):
    suggestion = _visible_suggestion(request, pk)
    if action not in workflow.ACTIONS:
        raise Http404
    kwargs = {"prefix": action}
    if action == "merge":
        kwargs["candidates"] = selectors.merge_candidates_alike(suggestion)
    form = form_for(action)(request.POST, **kwargs)
    if not form.is_valid():
        return _render_detail(request, suggestion, bound=(action, form))
    data = dict(form.cleaned_data)
    version = data.pop("version")
    acting_as = permissions.actor_for(request.user, suggestion)
    try:
        if action == workflow.PROGRESS.action:
            services.suggestion_progress_update(
                suggestion=suggestion, user=request.user, expected_version=version, **data
            )
        else:
            outcome = None
            if "description" in data:
                outcome = {k: data.pop(k) for k in OutcomeForm.Meta.fields}
            services.suggestion_transition(
                suggestion=suggestion,
                action=action,
                user=request.user,
                expected_version=version,
                outcome=outcome,
                **data,
            )
    except services.StaleSuggestion:
        messages.error(request, STALE_MESSAGE)
        # Keep what they typed, against the version they now see, so that they can send it.
        data = request.POST.copy()
        data[f"{action}-version"] = Suggestion.objects.get(pk=pk).version
        refreshed = form_for(action)(data, **kwargs)
        refreshed.is_valid()
        return _render_detail(request, suggestion, bound=(action, refreshed), status=409)
    except IllegalMove:
        messages.error(request, ILLEGAL_MOVE_MESSAGE)
        return _render_detail(request, suggestion, bound=(action, form), status=409)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _render_detail(request, suggestion, bound=(action, form))
    messages.success(request, _("Done."))
    if acting_as in STAFF:
        return redirect("inbox")
    return redirect("suggestion_detail", pk=pk)


@login_required
@require_POST
def suggestion_place_correct(request, pk):
    """The owner corrects where the suggestion is (services.suggestion_place_correct)."""
    suggestion = _visible_suggestion(request, pk)
    if not request.user.has_perm("suggestions.correct_place", suggestion):
        if permissions.actor_for(request.user, suggestion) not in STAFF:
            raise PermissionDenied
        # On their desk, but no longer at the stage where they could (the department said yes
        # meanwhile).
        messages.error(request, ILLEGAL_MOVE_MESSAGE)
        return _render_detail(request, suggestion, status=409)
    search = request.POST.get("place-q", "")[:40]
    form = _place_form(suggestion, search, request.POST)
    if not form.is_valid():
        return _render_detail(request, suggestion, place_form=form, search=search)
    try:
        correction = services.suggestion_place_correct(
            suggestion=suggestion,
            user=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            **form.place_and_division(),
        )
    except services.StaleSuggestion:
        messages.error(request, STALE_MESSAGE)
        data = request.POST.copy()
        data["place-version"] = Suggestion.objects.get(pk=pk).version
        form = _place_form(suggestion, search, data)
        form.is_valid()
        return _render_detail(request, suggestion, place_form=form, search=search, status=409)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _render_detail(request, suggestion, place_form=form, search=search)
    if correction.rerouted:
        messages.success(
            request,
            _(
                "The place was corrected. The new place belongs to another department: the "
                "suggestion is on its way there."
            ),
        )
        return redirect("inbox")
    messages.success(request, _("The place was corrected."))
    return redirect("suggestion_detail", pk=pk)


@login_required
def suggestion_photo(request, pk):
    """A suggestion's photo, only for those who may see the suggestion (never public)."""
    suggestion = _visible_suggestion(request, pk)
    if not suggestion.photo:
        raise Http404
    extension = suggestion.photo.name.rsplit(".", 1)[-1].lower()
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(extension)
    if content_type is None:
        raise Http404
    try:
        photo = suggestion.photo.open("rb")
    except FileNotFoundError:
        logger.warning("suggestion %s: its photo file is missing", pk)
        raise Http404 from None
    response = FileResponse(photo, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def inbox(request):
    if not rules.has_perm("suggestions.see_inbox", request.user):
        raise PermissionDenied
    organisation = request.user.staff.organisation
    department = organisation.kind == OrganisationKind.DEPARTMENT
    filters = InboxFilter(
        request.GET or None, queryset=selectors.inbox(organisation.pk, routed_why=department)
    )
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/inbox.html",
        {"filters": filters, "page": page, "organisation": organisation},
    )


@login_required
def notifications(request):
    if request.method == "POST":
        services.notification_mark_read(user=request.user)
        return redirect("notifications")
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "suggestions/notifications.html", {"page": page})


def implemented(request):
    """Public: 'you said, we did', with an overview by district and, where an office set a
    tile service, a map of the places on this page."""
    filters = ImplementedFilter(request.GET or None, queryset=selectors.implemented_publicly())
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    districts = selectors.implemented_by_district()
    config = map_config()
    context = {
        "filters": filters,
        "page": page,
        "districts": districts,
        "most": max((n for _district, n in districts), default=0),
        "map_config": config,
        "markers": selectors.public_markers(page.object_list) if config else [],
    }
    return allow_tiles(render(request, "suggestions/implemented.html", context))


# --- Similar suggestions and the search (suggestions/search.py) -------------------------------

SEARCH_PAGE_SIZE = 20


def _may_search(user):
    if not rules.has_perm("suggestions.search_suggestions", user):
        raise PermissionDenied


def _similar_to(request, data, exclude=None):
    """The similar suggestions for what the child has typed so far (title, what they noticed)."""
    text = " ".join(data.get(name, "")[:MAX_QUERY] for name in ("title", "noticed"))
    return selectors.similar_suggestions(text, user=request.user, exclude=exclude)


@login_required
def suggestion_similar(request):
    """The list "Did someone notice this already?" as a fragment, for static/js/similar.js."""
    _may_search(request.user)
    exclude = _int_or_none(request.GET.get("exclude"))
    context = {"similar": _similar_to(request, request.GET, exclude), "similar_asked": True}
    return render(request, "suggestions/includes/similar.html", context)


@login_required
def suggestion_search(request):
    _may_search(request.user)
    form = SearchForm(request.GET if "q" in request.GET else None)
    page = None
    if form.is_valid():
        found = selectors.suggestion_search(form.cleaned_data["q"], user=request.user)
        page = Paginator(found, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "suggestions/search.html", {"form": form, "page": page})


# --- "Me too" -------------------------------------------------------------------------------

VOICE_ADDED = gettext_lazy("Thank you! Your “me too” is added.")
VOICE_TAKEN_BACK = gettext_lazy("Your “me too” was taken back.")


def _render_peer(request, suggestion, form=None, status=200):
    """Another child's suggestion, read only: what it says (not its photo, nor the words
    between the author and the staff), who else said "me too", and the "me too" form."""
    child = request.user.child
    mine = selectors.voice_of(child, suggestion)
    if form is None and mine is None and request.user.has_perm("suggestions.add_voice", suggestion):
        form = VoiceForm()
    return render(
        request,
        "suggestions/peer.html",
        {
            "suggestion": suggestion,
            "same_school": suggestion.child.school_id == child.school_id,
            "heard": selectors.heard_from(suggestion),
            "voices": selectors.voices_of(suggestion),
            "my_voice": mine,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def suggestion_voice(request, pk):
    """A child says "me too" to another child's suggestion, or takes it back ("withdraw")."""
    suggestion = get_object_or_404(Suggestion.objects.select_related("child"), pk=pk)
    child = getattr(request.user, "child", None)
    if child is None or not request.user.has_perm("suggestions.see_as_peer", suggestion):
        if child is None:
            raise PermissionDenied
        if suggestion.child_id == child.pk:
            messages.info(request, permissions.OWN_SUGGESTION_VOICE)
            return redirect("suggestion_detail", pk=pk)
        logger.warning("child user %s refused a voice on suggestion %s", request.user.pk, pk)
        messages.error(request, permissions.NOT_VISIBLE_FOR_A_VOICE)
        return redirect("my_suggestions")
    if "withdraw" in request.POST:
        if services.voice_withdraw(suggestion=suggestion, child=child):
            messages.success(request, VOICE_TAKEN_BACK)
        return redirect("suggestion_detail", pk=pk)
    form = VoiceForm(request.POST)
    if not form.is_valid():
        return _render_peer(request, suggestion, form=form)
    try:
        services.voice_add(suggestion=suggestion, child=child, line=form.cleaned_data["line"])
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _render_peer(request, suggestion, form=form)
    messages.success(request, VOICE_ADDED)
    return redirect("suggestion_detail", pk=pk)
