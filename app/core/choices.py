"""WTForms' own option objects for SelectField and RadioField choices: passing
(value, label) tuples is deprecated in WTForms 3.3 and goes in 3.4."""
from __future__ import annotations

from wtforms.fields.choices import SelectChoice


def select_choices(pairs) -> list[SelectChoice]:
    """[SelectChoice(value, label), …] from (value, label) pairs, in their order."""
    return [SelectChoice(value, label) for value, label in pairs]
