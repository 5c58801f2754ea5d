"""Bearer tokens for the API: who is asking, with which scope, within their rate."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from florilege.api import tokens
from florilege.api.models import ApiToken, Scope
from florilege.api.problems import Problem

RATE_WINDOW = 60  # seconds


class TokenAuth(HttpBearer):
    """``Authorization: Bearer flg_...``, allowing ``scope`` (or a wider one)."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()
        found = tokens.find(token, now)
        if found is None:
            return None  # 401, from the AuthenticationError handler
        if not found.allows(self.scope):
            raise Problem(403, f"This token's scope is {found.scope}; this needs {self.scope}.")
        wait = tokens.spend(found, settings.API_RATE_LIMIT, RATE_WINDOW, now)
        if wait:
            raise Problem(429, "Too many requests with this token.", retry_after=wait)
        request.user = found.user
        return found


READ = TokenAuth(Scope.READ)
CURATE = TokenAuth(Scope.CURATE)
ADMIN = TokenAuth(Scope.ADMIN)
