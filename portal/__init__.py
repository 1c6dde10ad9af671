"""The Flask application: ``create_app`` assembles settings, store, language and blueprints."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from portal.settings import PortalSettings, load_settings
from portal.web import (
    audit_log,
    auth,
    cache,
    compression,
    database,
    formats,
    i18n,
    params,
    security,
)
from portal.web.errors import register_error_handlers


def _secret_key(settings: PortalSettings) -> str:
    if settings.secret_key:
        return settings.secret_key
    # One random key per instance folder, kept so sessions survive restarts.
    path = settings.instance_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _register_blueprints(app: Flask) -> None:
    """One blueprint per resource: pages, sign-in, data in/out, API, administration."""
    from portal.api.basemaps import blueprint as basemaps_blueprint
    from portal.api.changes import blueprint as changes_api_blueprint
    from portal.api.coverage import blueprint as coverage_api_blueprint
    from portal.api.data import blueprint as data_api_blueprint
    from portal.api.editing import blueprint as editing_api_blueprint
    from portal.api.maps import blueprint as api_blueprint
    from portal.api.ogc import blueprint as ogc_blueprint
    from portal.api.openapi import blueprint as openapi_blueprint
    from portal.api.rasters import blueprint as rasters_api_blueprint
    from portal.api.search import blueprint as search_api_blueprint
    from portal.api.targets import blueprint as targets_api_blueprint
    from portal.api.templates import blueprint as templates_api_blueprint
    from portal.api.tiles import blueprint as tiles_blueprint
    from portal.api.zonal import blueprint as zonal_api_blueprint
    from portal.views import auth as auth_views
    from portal.views.admin import blueprint as admin_blueprint
    from portal.views.basemaps_admin import blueprint as basemaps_admin_blueprint
    from portal.views.boundaries import blueprint as boundaries_blueprint
    from portal.views.briefing import blueprint as briefing_blueprint
    from portal.views.changes import blueprint as changes_blueprint
    from portal.views.data import blueprint as data_blueprint
    from portal.views.maps import blueprint as maps_blueprint
    from portal.views.rasters import blueprint as rasters_blueprint
    from portal.views.reports import blueprint as reports_blueprint
    from portal.views.targets import blueprint as targets_blueprint

    app.register_blueprint(maps_blueprint)
    auth_views.register(app)
    app.register_blueprint(data_blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api")
    app.register_blueprint(search_api_blueprint, url_prefix="/api")
    app.register_blueprint(data_api_blueprint, url_prefix="/api")
    app.register_blueprint(editing_api_blueprint, url_prefix="/api")
    app.register_blueprint(admin_blueprint)  # its /admin prefix is on the blueprint
    app.register_blueprint(boundaries_blueprint)
    app.register_blueprint(basemaps_admin_blueprint)
    app.register_blueprint(changes_blueprint)
    app.register_blueprint(changes_api_blueprint, url_prefix="/api")
    app.register_blueprint(tiles_blueprint)
    app.register_blueprint(basemaps_blueprint)
    app.register_blueprint(ogc_blueprint)
    app.register_blueprint(targets_blueprint)
    app.register_blueprint(briefing_blueprint)
    app.register_blueprint(targets_api_blueprint, url_prefix="/api")
    app.register_blueprint(templates_api_blueprint, url_prefix="/api")
    app.register_blueprint(openapi_blueprint, url_prefix="/api")
    app.register_blueprint(rasters_blueprint)
    app.register_blueprint(rasters_api_blueprint)
    app.register_blueprint(coverage_api_blueprint, url_prefix="/api")
    app.register_blueprint(zonal_api_blueprint, url_prefix="/api")
    app.register_blueprint(reports_blueprint)


def _register_commands(app: Flask) -> None:
    """Give ``flask --app portal`` (and test CLI runners) the data and account commands."""
    from portal.cli.backup import register as register_backup_commands
    from portal.cli.basemaps import register as register_basemap_commands
    from portal.cli.data import register as register_data_commands
    from portal.cli.rasters import register as register_raster_commands
    from portal.cli.reports import register as register_report_commands
    from portal.cli.users import register as register_auth_commands

    register_auth_commands(app.cli)
    register_data_commands(app.cli)
    register_backup_commands(app.cli)
    register_basemap_commands(app.cli)
    register_raster_commands(app.cli)
    register_report_commands(app.cli)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the portal application; ``overrides`` replace settings (tests, scripts)."""
    settings = load_settings(overrides)
    app = Flask(__name__, instance_path=str(Path(settings.instance_path).resolve()))
    app.config.from_prefixed_env("PORTAL_FLASK")
    app.config["PORTAL_SETTINGS"] = settings
    app.config["SECRET_KEY"] = _secret_key(settings)
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 1024 * 1024

    database.init_app(app, settings.resolved_database_url(), settings.db_busy_timeout)
    i18n.init_app(app)
    formats.init_app(app)
    cache.init_app(app)
    compression.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    audit_log.init_app(app)

    params.install_converters(app)  # before the routes: a path id past 32 bits is a 404
    _register_blueprints(app)
    register_error_handlers(app)
    _register_commands(app)
    if settings.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.behind_proxy  # trust only what the nearest proxies added
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app
