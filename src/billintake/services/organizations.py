"""Which organization a command or intake acts for when none is named."""

from __future__ import annotations

from billintake.bootstrap import Runtime
from billintake.domain.errors import NotFound, ValidationFailed


def default_organization_id(runtime: Runtime, slug: str | None = None) -> str:
    """The organization named by `slug`, else the `default_org` setting, else the only one."""
    slug = slug or runtime.settings.default_org
    with runtime.directory() as directory:
        if slug:
            org = directory.organization_by_slug(slug)
            if org is None:
                raise NotFound(f"no organization with slug {slug!r} (see `billintake org list`)")
            return org.id
        organizations = directory.list_organizations()
    if not organizations:
        raise ValidationFailed("no organization yet in the database at "
                               f"{runtime.settings.resolved_database_url}: create one with "
                               "`billintake org create NAME` (see `billintake config`)")
    if len(organizations) > 1:
        slugs = ", ".join(sorted(o.slug for o in organizations))
        raise ValidationFailed(f"name the organization with --org SLUG ({slugs}), or set "
                               "BILLINTAKE_DEFAULT_ORG")
    return organizations[0].id
