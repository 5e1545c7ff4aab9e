"""The second-factor pages, registered by the scan of warehouse_lite.accounts.

- login.py: TwoFactorLoginViews, the second step of a login (TOTP code, security key,
  recovery code);
- settings.py: TwoFactorSettingsViews, the two-factor section of the account settings (add or
  remove a TOTP application or a security key, generate recovery codes), all in sudo mode.

Each state change is one TwoFactorService call given the Actor; the views keep the forms, the
rate limits of guard.py and the messages.
"""
