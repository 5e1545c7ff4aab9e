"""The HTTP layer every request passes through, whatever its domain: the routes, the tweens
(canonical host, input guard, headers, after-response work) and their order, the templating
setup and site-wide views (home, help, error pages), the base form with CSRF, and the errors
views raise."""
