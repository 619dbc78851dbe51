"""Sign-in, password and invitation forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.core.choices import select_choices
from app.core.i18n import LANGUAGE_NAMES

MIN_PASSWORD = 10


def role_choices():
    return select_choices([("volunteer", _l("Volunteer")), ("staff", _l("Staff")), ("admin", _l("Administrator"))])


def language_choices():
    return select_choices(LANGUAGE_NAMES.items())


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")),
                                               Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                        Length(max=500)])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")),
                                               Email(_l("Enter a valid email address.")),
                                               Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_PASSWORD, max=500, message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD)),
    ])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", _l("The two passwords are not the same.")),
    ])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password.")),
                                                               Length(max=500)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter an email address.")),
                                               Email(_l("Enter a valid email address.")),
                                               Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices, default="volunteer")
    language = SelectField(_l("Language"), choices=language_choices, default="en")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    language = SelectField(_l("Language"), choices=language_choices)
