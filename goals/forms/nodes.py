"""Forms of a node: its fields (with the formula checked against its children), and moving it."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import formulas, history, outline
from goals.forms.fields import Form, PersonChoiceField, VersionedForm, code_input, number_input, parse_number
from goals.models import Department, Node
from goals.values import format_value


class NodeForm(VersionedForm):
    """A node's fields. For a new node pass `parent`; the formula is checked against the node's children."""

    AUTOMATIC = ""

    aggregation = forms.ChoiceField(
        label=gettext_lazy("Aggregation"),
        required=False,
        help_text=gettext_lazy(
            "How weekly values add up over a range of weeks. Automatic: recompute for a formula that divides "
            "(rates), otherwise sum."
        ),
    )
    target = forms.CharField(
        label=gettext_lazy("Target"),
        required=False,
        widget=number_input(),
        help_text=gettext_lazy("The committed target (必達目標) for the tree's period, as a number."),
    )
    stretch = forms.CharField(
        label=gettext_lazy("Stretch target"),
        required=False,
        widget=number_input(),
        help_text=gettext_lazy("Optional: the stretch target (努力目標), shown as a line on charts."),
    )
    baseline = forms.CharField(
        label=gettext_lazy("Baseline"),
        required=False,
        widget=number_input(),
        help_text=gettext_lazy("Optional: last period's value."),
    )

    class Meta:
        model = Node
        fields = list(history.NODE_FIELDS)  # the fields a person edits are the ones the history records
        field_classes = {"owner": PersonChoiceField}
        widgets = {
            "code": code_input(),
            "definition": forms.Textarea(attrs={"rows": 3}),
            "unit": forms.TextInput(attrs={"class": "input-short", "autocomplete": "off"}),
            "formula": code_input(),
            "direction": forms.RadioSelect,
            "frequency": forms.RadioSelect,
        }
        help_texts = {
            "code": gettext_lazy(
                "Unique in the tree; formulas and files use it. Lower-case letters, digits and _, starting with a "
                "letter, such as deals or win_rate."
            ),
            "definition": gettext_lazy(
                "What is counted, from which source, by whom, so that another department understands it."
            ),
            # xgettext:no-python-format
            "unit": gettext_lazy("Such as 件, 円, % or sessions."),
        }

    def __init__(self, *args, tree, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.parent = parent if parent is not None else self.instance.parent
        self.fields["aggregation"].choices = [(self.AUTOMATIC, _("Automatic"))] + list(Node.Aggregation.choices)
        if self.instance.pk:
            for name in ("target", "stretch", "baseline"):
                self.initial[name] = format_value(getattr(self.instance, name))
        self.fields["department"].queryset = Department.objects.all()
        self.fields["department"].empty_label = _("No department")
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
        )
        self.fields["owner"].empty_label = _("No one")
        self.fields["formula"].help_text = self._formula_help()
        self.fields["direction"].choices = list(Node.Direction.choices)
        self.fields["frequency"].choices = list(Node.Frequency.choices)
        self.fields["frequency"].help_text = _("How often its numbers are entered.")

    def children(self):
        """The node's active direct children, code -> name: what its formula may use."""
        if not self.instance.pk:
            return {}
        return dict(self.instance.children.active().order_by("position", "id").values_list("code", "name"))

    def _formula_help(self):
        children = self.children()
        if children:
            return _(
                "Leave empty for a node whose numbers are entered. For a calculated node, use the codes of its "
                "direct children (%(codes)s), numbers, + - * / and parentheses, such as %(example)s."
            ) % {"codes": ", ".join(children), "example": " * ".join(list(children)[:2])}
        return _(
            "Leave empty for a node whose numbers are entered. A calculated node uses the codes of its direct "
            "children: add its children first, then write the formula."
        )

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = self.tree.nodes.active().filter(code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            node = taken.first()
            raise forms.ValidationError(
                _("%(code)s is already the code of %(name)s in this tree. Choose another code.")
                % {"code": code, "name": node.name}
            )
        old = self.instance.code if self.instance.pk else None
        if old and code != old and self.parent is not None and self.parent.is_formula:
            try:
                uses_old = old in formulas.parse(self.parent.formula).references
            except formulas.FormulaError:
                uses_old = False
            if uses_old:
                raise forms.ValidationError(
                    _(
                        "The formula of %(parent)s (%(formula)s) uses the code %(code)s. Keep the code, or change "
                        "that formula first."
                    )
                    % {"parent": self.parent.name, "formula": self.parent.formula, "code": old}
                )
        return code

    def clean_unit(self):
        return self.cleaned_data["unit"].strip()

    def clean_formula(self):
        return " ".join(self.cleaned_data["formula"].split())

    def clean_target(self):
        return parse_number(self.cleaned_data.get("target", ""), self.cleaned_data.get("unit", ""))

    def clean_stretch(self):
        return parse_number(self.cleaned_data.get("stretch", ""), self.cleaned_data.get("unit", ""))

    def clean_baseline(self):
        return parse_number(self.cleaned_data.get("baseline", ""), self.cleaned_data.get("unit", ""))

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("formula", "")
        formula = None
        if text:
            name = cleaned.get("name") or self.instance.name or _("this node")
            try:
                formula = formulas.check(text, self.children(), name)
            except formulas.FormulaError as error:
                self.add_error("formula", error.message)
        aggregation = cleaned.get("aggregation")
        becomes_formula = self.instance.pk and not self.instance.is_formula and formula is not None
        if becomes_formula and aggregation == self.instance.aggregation:
            # A measured node that gets its first formula is a new formula node: the aggregation it had as
            # a measured node was a default, so the formula's default applies unless the person changed it.
            aggregation = self.AUTOMATIC
        if not aggregation:
            aggregation = (
                Node.Aggregation.RECOMPUTE if formula is not None and formula.divides else Node.Aggregation.SUM
            )
        elif aggregation == Node.Aggregation.RECOMPUTE and not text and "formula" not in self.errors:
            self.add_error(
                "aggregation",
                _("Recompute works only for a calculated node. Write a formula, or choose another aggregation."),
            )
        cleaned["aggregation"] = aggregation
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk is None:
            self.instance.tree = self.tree
            self.instance.parent = self.parent


def check_formula(text, node=None, name=""):
    """(ok, message) for a formula typed in the node form: what the validation endpoint answers."""
    text = " ".join((text or "").split())
    if not text:
        return True, _("No formula: its numbers are entered every week.")
    children = dict(node.children.active().order_by("position", "id").values_list("code", "name")) if node else {}
    try:
        formula = formulas.check(text, children, name or (node.name if node else "") or _("this node"))
    except formulas.FormulaError as error:
        return False, error.message
    if formula.divides:
        return True, _("The formula can be used. It divides, so Automatic aggregation recomputes it over ranges.")
    return True, _("The formula can be used.")


class MoveForm(Form):
    parent = forms.ModelChoiceField(queryset=Node.objects.none(), label=gettext_lazy("New parent"))

    def __init__(self, *args, node, nodes, **kwargs):
        """`nodes` are the tree's active nodes in outline order, with `.depth` set."""
        super().__init__(*args, **kwargs)
        self.node = node
        self.nodes = nodes
        self.by_id = {n.pk: n for n in nodes}
        below = {n.pk for n in outline.below(node, nodes)}
        field = self.fields["parent"]
        field.queryset = node.tree.nodes.active()
        field.empty_label = _("Choose a node")
        field.help_text = _("%(node)s and the nodes below it move together, as the last child of the new parent.") % {
            "node": node.name
        }
        field.choices = [("", field.empty_label)] + [
            (n.pk, "\u3000" * n.depth + f"{n.name} ({n.code})")
            for n in nodes
            if n.pk != node.pk and n.pk not in below and n.pk != node.parent_id
        ]
        self.below = below

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        node = self.node
        if node.is_kgi:
            raise forms.ValidationError(_("The KGI is the top of the tree and cannot be moved."))
        if parent.pk == node.pk or parent.pk in self.below:
            raise forms.ValidationError(
                _("%(node)s cannot move under itself or a node below it. Choose a node outside its branch.")
                % {"node": node.name}
            )
        if parent.pk == node.parent_id:
            raise forms.ValidationError(
                _("%(node)s is already under %(parent)s. Choose another node.")
                % {"node": node.name, "parent": parent.name}
            )
        old_parent = self.by_id.get(node.parent_id)
        if old_parent is not None and old_parent.is_formula:
            try:
                references = formulas.parse(old_parent.formula).references
            except formulas.FormulaError:
                references = ()
            if node.code in references:
                raise forms.ValidationError(
                    _(
                        "The formula of %(parent)s (%(formula)s) uses %(code)s, so moving it would break that "
                        "formula. Change the formula of %(parent)s first."
                    )
                    % {"parent": old_parent.name, "formula": old_parent.formula, "code": node.code}
                )
        target = self.by_id.get(parent.pk)
        height = outline.height(node, self.nodes)
        depth_after = (target.depth if target is not None else 0) + 1 + height
        if depth_after > node.tree.max_depth:
            raise forms.ValidationError(
                _(
                    "Under %(parent)s, the branch of %(node)s would reach level %(depth)s below the KGI; this tree "
                    "allows %(max)s. Choose a node higher up, or raise the maximum depth in the tree's settings."
                )
                % {"parent": parent.name, "node": node.name, "depth": depth_after, "max": node.tree.max_depth}
            )
        return parent
