from auditlog.middleware import AuditlogMiddleware


class AuditlogRemoteAddrMiddleware(AuditlogMiddleware):
    """auditlog's middleware, but the IP comes from the connection, not from X-Forwarded-For, which any
    client can set; a trusted proxy in front rewrites REMOTE_ADDR instead."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR")
