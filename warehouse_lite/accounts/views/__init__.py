"""The account pages, registered by the scan of warehouse_lite.accounts.

- base.py: FormViews, the base of the form view classes here and in two_factor/views/;
- login.py: log in and log out;
- register.py: register, and verify an email address;
- password_reset.py: a forgotten password (ask for a link, then set a new one);
- confirm_password.py: the password confirmation of sudo mode (recent_auth.py).

The second factors have their own package, accounts/two_factor/views/ (the second step of a
login, and the two-factor settings).
"""
