"""The FastAPI app: `uvicorn api.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from api.core.admission import AdmissionLimit
from api.core.config import DEV_SECRET, Settings, get_settings
from api.core.db import make_engine, make_sessionmaker, requests_at_once
from api.core.errors import COMMON_ERRORS, DATABASE_DOWN
from api.core.heap import freeze_long_lived
from api.core.limits import RequestLimitMiddleware
from api.exports.routes import router as exports_router
from api.pages.web import install as install_pages
from api.review.models import AuditTrailError
from api.review.routes import router as review_router
from api.review.service import ReviewError
from api.screenings import service as screenings
from api.screenings.bot_client import BotClient, RasaClient
from api.screenings.routes import router as screenings_router
from api.teams.routes import build_runtime
from api.teams.routes import router as teams_router
from api.users.routes import router as users_router
from api.users.throttle import SignInThrottle

log = logging.getLogger("api")


def create_app(settings: Settings | None = None, bot: BotClient | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.secret_key == DEV_SECRET and not settings.database_url.startswith("sqlite"):
        log.warning("SCREENER_SECRET_KEY is the development default; set it in production")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        close = getattr(app.state.bot, "close", None)
        if close:
            close()
        if app.state.teams is not None:
            app.state.teams.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="Trial screener API",
        version="0.1.0",
        description="Clinical-trial prescreening: screenings through the Rasa assistant, "
        "transcripts, verdicts with evidence, review and the screening log.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, connections=settings.db_connections)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.bot = bot or RasaClient(
        settings.rasa_url, timeout=settings.rasa_timeout, per_server=settings.rasa_concurrency
    )
    app.state.sign_in_throttle = SignInThrottle()
    app.state.teams = build_runtime(settings)  # None unless SCREENER_TEAMS_APP_ID is set
    app.add_middleware(RequestLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Before the routes: a request waiting for its turn holds no connection and no thread.
    app.add_middleware(
        AdmissionLimit,
        limit=requests_at_once(app.state.engine, settings.db_connections),
        exempt=("/healthz",),
    )

    def handler(status: int):
        async def handle(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    app.add_exception_handler(screenings.NotFound, handler(404))
    app.add_exception_handler(screenings.Forbidden, handler(403))
    app.add_exception_handler(screenings.Conflict, handler(409))
    app.add_exception_handler(screenings.Invalid, handler(422))
    app.add_exception_handler(ReviewError, handler(422))
    app.add_exception_handler(AuditTrailError, handler(409))

    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        # The database refused or dropped the connection: the request did nothing it could
        # keep (each turn commits its message before forwarding it), so the client resends.
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {"detail": DATABASE_DOWN, "retry": True}, status_code=503, headers={"Retry-After": "5"}
        )

    app.add_exception_handler(OperationalError, database_down)

    routers = (users_router, screenings_router, review_router, exports_router, teams_router)
    for router in routers:
        app.include_router(router, responses=COMMON_ERRORS)

    install_pages(app)  # the browser pages at /, /home, /screenings/..., /review, /admin

    @app.get("/healthz", tags=["meta"], response_model=dict[str, str])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn api.main:app` builds the app on first use, so importing the module is cheap.
    if name == "app":
        global app
        app = create_app()
        log.info("%d long-lived objects frozen", freeze_long_lived())
        return app
    raise AttributeError(name)
