"""The JSON API (django-ninja), OpenAPI at /api/v1/docs. Each app contributes a router."""

import logging

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from cakupan.core.errors import DomainError, domain_error_status

security_log = logging.getLogger("cakupan.security")

_ERROR = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
    "required": ["code", "message"],
}
_PARAMETER_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "const": "parameter_invalid"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["code", "message", "errors"],
}


def _error_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class _Schema(OpenAPISchema):
    """Documents the answers every operation can get from the handlers below, not from its own code: 401
    without valid credentials, 400 for a body that is not JSON, 422 for malformed parameters (ninja's
    validation; cakupan.core.api_params.refuse_nul_characters answers the same)."""

    def operation_details(self, operation):
        details = super().operation_details(operation)
        responses = details["responses"]
        documented = {str(status) for status in responses}
        validated = any(model.model_fields for model in operation.models)
        has_body = "requestBody" in details and validated
        if operation.auth_callbacks and "401" not in documented:
            responses[401] = _error_response("Tanpa kredensial yang sah", _ERROR)
        if has_body and "400" not in documented:
            responses[400] = _error_response("Isi permintaan bukan JSON yang sah", _ERROR)
        if validated and "422" not in documented:
            responses[422] = _error_response("Parameter tidak sah", _PARAMETER_ERROR)
        return details


class CakupanAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Schema(api=self, path_prefix=path_prefix)


api = CakupanAPI(
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


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    """ninja's own refusals in the same shape as a DomainError: no credentials (401), a body it cannot
    parse (400)."""
    if isinstance(error, AuthenticationError):
        payload = {
            "code": "auth_required",
            "message": "Masuk dahulu atau kirim token API yang berlaku (Authorization: Bearer …).",
        }
    elif error.status_code == 400:
        payload = {
            "code": "body_invalid",
            "message": "Isi permintaan tidak dapat dibaca: kirim JSON yang sah.",
        }
    else:
        payload = {"code": f"http_{error.status_code}", "message": str(error)}
    return api.create_response(request, payload, status=error.status_code)


@api.exception_handler(Http404)
def not_found(request, error: Http404):
    return api.create_response(request, {"code": "not_found", "message": "Tidak ditemukan."}, status=404)
