"""Flask glue: request session, cache, i18n, errors, security headers, assets, map building."""
