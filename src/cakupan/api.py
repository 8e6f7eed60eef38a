"""The JSON API (django-ninja), OpenAPI at /api/v1/docs. Each app contributes a router."""

import logging

from ninja import NinjaAPI
from ninja.errors import ValidationError

from cakupan.core.errors import DomainError, domain_error_status

security_log = logging.getLogger("cakupan.security")

api = NinjaAPI(
    title="Cakupan API",
    version="1",
    description="Universal Coverage Jamsostek: registry, coverage, funding. Error codes are stable English "
    "identifiers; messages are in Bahasa Indonesia.",
    urls_namespace="api-v1",
)

# The status check first: the public's busiest route is matched before the others.
api.add_router("/cek", "cakupan.portal.api.router")
api.add_router("/rules/", "cakupan.rules.api.router")
api.add_router("/workers", "cakupan.registry.api.router")
api.add_router("/coverage", "cakupan.coverage.api.router")
api.add_router("/funding", "cakupan.funding.api.router")
api.add_router("/sertakan", "cakupan.sponsors.api.router")
api.add_router("/klaim", "cakupan.claims.api.router")


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    status = domain_error_status(error)
    if status == 403:
        security_log.warning(
            "%s user=%s path=%s", error.code, getattr(request.user, "username", "?"), request.get_full_path()
        )
    return api.create_response(request, error.as_dict(), status=status)


@api.exception_handler(ValidationError)
def parameter_error(request, error: ValidationError):
    """Malformed or out-of-range parameters: the same shape as a DomainError (code and Bahasa message),
    with the validator's details for machines."""
    names = sorted({".".join(str(part) for part in item.get("loc", ())[1:]) or "?" for item in error.errors})
    payload = {
        "code": "parameter_invalid",
        "message": f"Nilai parameter tidak sah: {', '.join(names)}.",
        "errors": error.errors,
    }
    return api.create_response(request, payload, status=422)
