from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import Child

TOPIC_EXAMPLES = ["建言技能", "观察技能", "调研方法", "公众表达", "安全宣传"]


class TrainingSessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(
        label=_("Topic"),
        max_length=120,
        help_text=_("e.g. advising skills, observation skills"),
    )
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who attended"),
        queryset=Child.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any child may be posted: the service refuses those outside the sub-team with a message.
        self.fields["attendees"].queryset = Child.objects.all()
        if members is not None:
            self.fields["attendees"].choices = [(c.pk, c.pseudonym) for c in members]
