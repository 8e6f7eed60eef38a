"""The JSON API (django-ninja), OpenAPI at /api/v1/docs. Each app contributes a router."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Cakupan API",
    version="1",
    description="Universal Coverage Jamsostek: registry, coverage, funding. Error codes are stable English "
    "identifiers; messages are in Bahasa Indonesia.",
    urls_namespace="api-v1",
)

api.add_router("/rules/", "cakupan.rules.api.router")
