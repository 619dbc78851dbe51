"""Sign in and out, forgotten passwords, accepting an invitation, one's own account."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from app.auth import services, tasks  # noqa: F401  (tasks register with the queue)
from app.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from app.auth.session import sign_in, sign_out
from app.core.pages import safe_next
from app.core.rendering import render
from app.core.security import (
    clear_rate_limit,
    client_address,
    forgive_hit,
    public,
    rate_limited,
    role_required,
)

bp = Blueprint("auth", __name__)

# Only failed sign-ins count: a whole library behind one address signs in all
# morning, while a guessing run stops after 20 wrong passwords (8 at one account).
LOGIN_PER_ADDRESS = (20, 15 * 60)  # failed attempts per client address per 15 minutes
LOGIN_PER_ACCOUNT = (8, 15 * 60)  # failed attempts at one account per 15 minutes
RESET_PER_ADDRESS = (5, 60 * 60)


@bp.get("/login")
@public
def login():
    if g.user is not None:
        return redirect(url_for("pages.home"))
    form = LoginForm(next=request.args.get("next", ""))
    return render("auth/login.html", form=form)


@bp.post("/login")
@public
def login_submit():
    form = LoginForm()
    if not form.validate_on_submit():
        return render("auth/login.html", form=form), 400
    email = form.email.data.strip().lower()
    address_key, account_key = f"login-ip:{client_address()}", f"login-account:{email}"
    # Both counters count every attempt first (so neither reveals whether the
    # account exists, and parallel guesses cannot slip past); a success takes its hit back.
    over_address = rate_limited(address_key, *LOGIN_PER_ADDRESS)
    over_account = rate_limited(account_key, *LOGIN_PER_ACCOUNT)
    if over_address or over_account:
        form.password.errors = [_("Too many sign-in attempts. Please wait 15 minutes and try again.")]
        return render("auth/login.html", form=form), 429
    user = services.authenticate(email, form.password.data)
    if user is None:
        form.password.errors = [_("The email or the password is not right.")]
        return render("auth/login.html", form=form), 401
    forgive_hit(address_key, LOGIN_PER_ADDRESS[1])
    clear_rate_limit(account_key)
    sign_in(user)
    return redirect(safe_next(form.next.data, url_for("pages.home")), code=303)


@bp.post("/logout")
@public
def logout():
    sign_out()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/password/forgot")
@public
def forgot_password():
    return render("auth/forgot.html", form=ForgotPasswordForm())


@bp.post("/password/forgot")
@public
def forgot_password_submit():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render("auth/forgot.html", form=form), 400
    if rate_limited(f"reset-ip:{client_address()}", *RESET_PER_ADDRESS):
        form.email.errors = [_("Too many requests. Please wait an hour and try again.")]
        return render("auth/forgot.html", form=form), 429
    services.request_password_reset(form.email.data)
    # The same answer whether or not the account exists.
    return render("auth/forgot_sent.html", email=form.email.data.strip())


def _password_token_page(purpose: str, token: str, template: str):
    user = services.user_for_token(purpose, token)
    if user is None:
        abort(404)
    form = SetPasswordForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render(template, form=form, user=user, token=token), status
    user = services.redeem_password_token(purpose, token, form.password.data)
    if user is None:
        abort(404)
    sign_in(user)
    flash(_("Your password is set. Welcome to Kith."), "success")
    return redirect(url_for("pages.home"), code=303)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    return _password_token_page("password-reset", token, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    return _password_token_page("invitation", token, "auth/invitation.html")


@bp.get("/account")
@role_required("volunteer")
def account():
    form = AccountForm(obj=g.user)
    return render("auth/account.html", form=form, password_form=ChangePasswordForm(prefix="pw"))


@bp.post("/account")
@role_required("volunteer")
def account_update():
    form = AccountForm()
    if not form.validate_on_submit():
        return render("auth/account.html", form=form, password_form=ChangePasswordForm(prefix="pw")), 400
    g.user.name = form.name.data.strip()
    g.user.language = form.language.data
    g.user.save(only=["name", "language"])
    session["language"] = g.user.language
    flash(_("Your settings are saved."), "success")
    return redirect(url_for("auth.account"), code=303)


@bp.post("/account/password")
@role_required("volunteer")
def account_password():
    """A new password, after the current one: a borrowed or stolen session
    cannot lock its owner out. Wrong guesses count against the account's
    sign-in limit."""
    password_form = ChangePasswordForm(prefix="pw")
    if not password_form.validate_on_submit():
        return render("auth/account.html", form=AccountForm(obj=g.user), password_form=password_form), 400
    account_key = f"login-account:{g.user.email}"
    if rate_limited(account_key, *LOGIN_PER_ACCOUNT):
        password_form.current.errors = [_("Too many sign-in attempts. Please wait 15 minutes and try again.")]
        return render("auth/account.html", form=AccountForm(obj=g.user), password_form=password_form), 429
    if not services.password_is(g.user, password_form.current.data):
        password_form.current.errors = [_("The current password is not right.")]
        return render("auth/account.html", form=AccountForm(obj=g.user), password_form=password_form), 400
    clear_rate_limit(account_key)
    services.set_password(g.user, password_form.password.data)
    sign_in(g.user)  # this browser stays signed in; every other session has ended
    flash(_("Your password is changed. Other devices have been signed out."), "success")
    return redirect(url_for("auth.account"), code=303)
