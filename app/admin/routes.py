"""Admin: staff accounts (invite, role, disable)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from app.auth import services
from app.auth.forms import InviteForm, RoleForm
from app.auth.models import User
from app.core.confirm import require_confirmation
from app.core.rendering import render, wants_fragment
from app.core.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACCOUNT_ERRORS = {
    "taken": lambda: _("An account with this email address already exists."),
    "last-admin": lambda: _("Kith needs at least one active administrator."),
}


def _users():
    return User.select().order_by(User.active.desc(), User.role, User.email)


def _user_or_404(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@role_required("admin")
def users():
    return render("admin/users.html", users=_users(), form=InviteForm())


@bp.post("/users")
@role_required("admin")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.invite_user(form.email.data, form.role.data, form.name.data,
                                        form.language.data, invited_by=g.user)
        except services.AccountError as exc:
            form.email.errors = [ACCOUNT_ERRORS.get(str(exc), lambda: str(exc))()]
        else:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"), code=303)
    return render("admin/users.html", users=_users(), form=form), 400


def _row_result(user: User, error: str | None):
    """htmx gets the changed row back; a plain form post goes back to the list."""
    if wants_fragment():
        return render_template("admin/_user_row.html", user=user, row_error=error), 400 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/role")
@role_required("admin")
def change_role(user_id):
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _row_result(user, _("Choose one of the roles."))
    try:
        services.change_role(user, form.role.data, changed_by=g.user)
    except services.AccountError as exc:
        return _row_result(user, ACCOUNT_ERRORS[str(exc)]())
    return _row_result(user, None)


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def toggle_active(user_id):
    user = _user_or_404(user_id)
    if user.active:  # enabling again needs no question
        require_confirmation(_("Disable %(name)s? Every session of this account ends now.",
                               name=user.name or user.email),
                             button=_("Disable"), cancel_url=url_for("admin.users"))
    try:
        services.set_active(user, not user.active, changed_by=g.user)
    except services.AccountError as exc:
        return _row_result(user, ACCOUNT_ERRORS[str(exc)]())
    return _row_result(user, None)
