"""The forms of a page as a browser would submit them, read from its HTML: what the hostile tests post."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Inputs a person types into (or a page fills and posts back): each is tried with every hostile text.
TEXT_TYPES = {"text", "search", "email", "url", "tel", "number", "date", "hidden", "password", ""}


@dataclass
class PageForm:
    action: str
    method: str
    data: dict = field(default_factory=dict)  # name -> value (a list for several values), as submitted
    text_fields: list = field(default_factory=list)  # names a person types into (and hidden fields)
    hidden: set = field(default_factory=set)  # the hidden ones among them
    enctype: str = ""

    def with_value(self, name, value):
        data = dict(self.data)
        data[name] = value
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.select_first = None
        self.textarea = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.form = PageForm(
                attrs.get("action", ""), attrs.get("method", "get").lower(), enctype=attrs.get("enctype", "")
            )
            self.forms.append(self.form)
            return
        if self.form is None or "name" not in attrs and tag != "option":
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"), multiple=kind == "checkbox")
                else:
                    self.form.data.setdefault(name, [] if kind == "checkbox" else "")
            elif kind in ("submit", "button", "image", "reset", "file"):
                return
            else:
                self._add(name, attrs.get("value", ""))
                if kind in TEXT_TYPES and name not in self.form.text_fields:
                    self.form.text_fields.append(name)
                if kind == "hidden":
                    self.form.hidden.add(name)
        elif tag == "select":
            self.select = name
            self.select_first = None
            self.form.data.setdefault(name, "")
        elif tag == "option" and self.select is not None:
            if self.select_first is None:
                self.select_first = attrs.get("value", "")
                self.form.data[self.select] = self.select_first
            if "selected" in attrs:
                self.form.data[self.select] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = name
            self.text = []
            if name not in self.form.text_fields:
                self.form.text_fields.append(name)

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.data[self.textarea] = "".join(self.text).removeprefix("\n")
            self.textarea = None

    def _add(self, name, value, multiple=False):
        if multiple:
            self.form.data.setdefault(name, [])
            if isinstance(self.form.data[name], list):
                self.form.data[name].append(value)
            return
        self.form.data[name] = value


def page_forms(html: str, method="post") -> list[PageForm]:
    """The forms of `html` that submit with `method`, each with the values it would submit."""
    parser = _FormParser()
    parser.feed(html)
    return [form for form in parser.forms if form.method == method]
