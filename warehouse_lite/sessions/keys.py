"""The session entries of a login, written by accounts/login.py and read by the session
security policy, and (whether anyone is logged in) by the response headers tween."""

SESSION_USER_KEY = "auth.userid"
# When the password was last set, as of the login: a password change elsewhere ends the session.
SESSION_PASSWORD_DATE_KEY = "auth.password_date"
