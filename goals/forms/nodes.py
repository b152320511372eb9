"""Forms of a node: its fields (with the formula checked against its children), and moving it."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from goals import codes, formulas, history, outline
from goals.forms.fields import Form, PersonChoiceField, VersionedForm, code_input, number_input, parse_number
from goals.formulas import rules
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
            "(rates), otherwise sum; for an entered node, average when its unit is %, otherwise sum."
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
            "breakdown": code_input(),
            "direction": forms.RadioSelect,
            "frequency": forms.RadioSelect,
        }
        help_texts = {
            "code": gettext_lazy(
                "Leave empty to make one from the name. Unique in the tree; files and the API use it. Lower-case "
                "letters, digits and _, starting with a letter, such as deals or win_rate."
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
        self.fields["code"].required = False
        self.tree_nodes = rules.tree_nodes(
            tree.nodes.active().select_related("parent").only("code", "name", "parent__code", "formula", "breakdown")
        )
        self.names = {code: node.name for code, node in self.tree_nodes.items()}
        self.fields["formula"].help_text = self._formula_help()
        self.fields["breakdown"].help_text = self._breakdown_help()
        self.fields["breakdown"].label = _("Breakdown")
        for name in ("formula", "breakdown"):
            self.fields[name].widget.attrs.update({"list": "node-names", "autocomplete": "off"})
            if self.instance.pk and not self.is_bound:
                self.initial[name] = rules.to_names(getattr(self.instance, name), self.names)
        self.fields["direction"].choices = list(Node.Direction.choices)
        self.fields["frequency"].choices = list(Node.Frequency.choices)
        self.fields["frequency"].help_text = _("How often its numbers are entered.")

    def children(self):
        """The node's active direct children, code -> name: what its breakdown may use."""
        if not self.instance.pk:
            return {}
        return dict(self.instance.children.active().order_by("position", "id").values_list("code", "name"))

    def name_choices(self):
        """The names people may type in the formula and breakdown (the autocomplete list), tree order."""
        return [node.name for code, node in self.tree_nodes.items() if code != self.instance.code and node.name]

    def _formula_help(self):
        return _(
            "Leave empty for a node whose numbers are entered. For a calculated node, use the names (or codes) of "
            "any nodes of this tree, numbers, + - × ÷ and parentheses, such as 受注件数 × 平均受注単価."
        )

    def _breakdown_help(self):
        children = self.children()
        if children:
            return _(
                "Optional, for an entered node: how it breaks down over its direct children (%(names)s), such as "
                "%(example)s. Its numbers are still entered; the breakdown carries targets and impact."
            ) % {
                "names": pgettext("list separator", ", ").join(children.values()),
                "example": " × ".join(list(children.values())[:2]),
            }
        return _("Optional, for an entered node: how it breaks down over its direct children. Add its children first.")

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code:
            return code  # made from the name in clean()
        taken = self.tree.nodes.active().filter(code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            node = taken.first()
            raise forms.ValidationError(
                _("%(code)s is already the code of %(name)s in this tree. Choose another code.")
                % {"code": code, "name": node.name}
            )
        old = self.instance.code if self.instance.pk else None
        if old and code != old:
            users = rules.users_of(old, self.tree_nodes)
            if users:
                user, field = users[0]
                text = rules.to_names(getattr(user, field), self.names)
                message = (
                    _(
                        "The formula of %(parent)s (%(formula)s) uses the code %(code)s. Keep the code, or change "
                        "that formula first."
                    )
                    if field == "formula"
                    else _(
                        "The breakdown of %(parent)s (%(formula)s) uses the code %(code)s. Keep the code, or change "
                        "that breakdown first."
                    )
                )
                raise forms.ValidationError(message % {"parent": user.name, "formula": text, "code": old})
        return code

    def clean_unit(self):
        return self.cleaned_data["unit"].strip()

    def _to_codes(self, name):
        text = " ".join(self.cleaned_data[name].split())
        if not text:
            return ""
        try:
            return rules.to_codes(text, self.names)
        except formulas.FormulaError as error:
            raise forms.ValidationError(error.message) from error

    def clean_formula(self):
        return self._to_codes("formula")

    def clean_breakdown(self):
        return self._to_codes("breakdown")

    def clean_target(self):
        return parse_number(self.cleaned_data.get("target", ""), self.cleaned_data.get("unit", ""))

    def clean_stretch(self):
        return parse_number(self.cleaned_data.get("stretch", ""), self.cleaned_data.get("unit", ""))

    def clean_baseline(self):
        return parse_number(self.cleaned_data.get("baseline", ""), self.cleaned_data.get("unit", ""))

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or self.instance.name or _("this node")
        code = cleaned.get("code")
        if "code" in cleaned and not code and cleaned.get("name"):
            taken = set(self.tree_nodes) - {self.instance.code}
            code = cleaned["code"] = codes.node_code(cleaned["name"], taken)
        text = cleaned.get("formula", "")
        own = self.instance.code or code or "?"
        nodes = dict(self.tree_nodes)
        formula = None
        if text:
            try:
                formula = rules.check_formula(text, own, name, nodes)
            except formulas.FormulaError as error:
                self.add_error("formula", error.message)
        breakdown = cleaned.get("breakdown", "")
        if breakdown and "breakdown" not in self.errors:
            if text or "formula" in self.errors:
                self.add_error(
                    "breakdown",
                    _(
                        "A breakdown is for a node whose numbers are entered. A calculated node already has its "
                        "formula: leave the breakdown empty."
                    ),
                )
            else:
                try:
                    rules.check_breakdown(breakdown, own, name, nodes)
                except formulas.FormulaError as error:
                    self.add_error("breakdown", error.message)
        aggregation = cleaned.get("aggregation")
        becomes_formula = self.instance.pk and not self.instance.is_formula and formula is not None
        if becomes_formula and aggregation == self.instance.aggregation:
            # A measured node that gets its first formula is a new formula node: the aggregation it had as
            # a measured node was a default, so the formula's default applies unless the person changed it.
            aggregation = self.AUTOMATIC
        if not aggregation:
            aggregation = default_aggregation(formula, text, cleaned.get("unit", ""))
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


def default_aggregation(formula, text, unit):
    """What "Automatic" stores (docs/numbers.md "Aggregation"): never `sum` for a rate."""
    if text:
        divides = formula.divides if formula is not None else "/" in text
        return Node.Aggregation.RECOMPUTE if divides else Node.Aggregation.SUM
    if unit.strip() in ("%", "％"):
        return Node.Aggregation.AVERAGE
    return Node.Aggregation.SUM


def check_formula(text, node=None, name="", tree=None, field="formula"):
    """(ok, message) for a formula or breakdown typed in the node form: what the validation endpoint answers."""
    text = " ".join((text or "").split())
    if not text:
        if field == "breakdown":
            return True, ""
        return True, _("No formula: its numbers are entered every week.")
    tree = tree if tree is not None else (node.tree if node is not None else None)
    nodes = rules.tree_nodes(tree.nodes.active().select_related("parent")) if tree is not None else {}
    names = {code: n.name for code, n in nodes.items()}
    label = name or (node.name if node else "") or _("this node")
    own = node.code if node is not None else "?"
    try:
        codes_text = rules.to_codes(text, names)
        if field == "breakdown":
            rules.check_breakdown(codes_text, own, label, nodes)
            return True, _("The breakdown can be used.")
        formula = rules.check_formula(codes_text, own, label, nodes)
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
        if old_parent is not None:
            field = "formula" if old_parent.is_formula else "breakdown"
            try:
                text = getattr(old_parent, field)
                references = formulas.parse(text).references if text.strip() else ()
            except formulas.FormulaError:
                references = ()
            if node.code in references:
                names = {n.code: n.name for n in self.nodes}
                values = {
                    "parent": old_parent.name,
                    "formula": rules.to_names(text, names),
                    "code": node.code,
                }
                message = (
                    _(
                        "The formula of %(parent)s (%(formula)s) uses %(code)s, so moving it would break that "
                        "formula. Change the formula of %(parent)s first."
                    )
                    if field == "formula"
                    else _(
                        "The breakdown of %(parent)s (%(formula)s) uses %(code)s, so moving it would break that "
                        "breakdown. Change the breakdown of %(parent)s first."
                    )
                )
                raise forms.ValidationError(message % values)
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
